package dev.modelmux.upstream;

import dev.modelmux.exchange.ClientResponse;
import dev.modelmux.routing.Deployment;
import io.vertx.core.buffer.Buffer;

/**
 * Nothing reaches the client before an attempt has content: what comes first (a role chunk, message_start) is held
 * here, and the first content commits the client's response to this attempt ({@link ClientResponse} says who may
 * write, and when). Until then every failure can still go to another deployment.
 */
final class CommitGate {
  private final ClientResponse.Writer writer;
  private final Deployment deployment;
  private final long startNanos;
  private final Buffer held = Buffer.buffer();
  private boolean committed;
  private long ttftMs = -1;

  /** @param appends a continuation: it appends to a response another attempt committed, and takes it over now */
  CommitGate(ClientResponse.Writer writer, Deployment deployment, long startNanos, boolean appends) {
    this.writer = writer;
    this.deployment = deployment;
    this.startNanos = startNanos;
    this.committed = appends;
    if (appends) {
      writer.append();
    }
  }

  boolean committed() {
    return committed;
  }

  /** Output with nothing the client must see yet. */
  void hold(Buffer out) {
    held.appendBuffer(out);
  }

  /**
   * Content: commits the response (once) and returns what to send, the held output first; null when another
   * attempt has the response.
   */
  Buffer pass(Buffer out, boolean stream) {
    if (committed) {
      return out;
    }
    if (!writer.commit(deployment, stream)) {
      return null;
    }
    committed = true;
    ttftMs = (System.nanoTime() - startNanos) / 1_000_000;
    deployment.state().recordTtft(ttftMs);
    return held.appendBuffer(out);
  }

  /** Milliseconds from the attempt's start to its first content, -1 if it produced none. */
  long ttftMs() {
    return ttftMs;
  }
}
