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
  /** When the request went out on a connection (System.nanoTime), 0 before. */
  private long sentNanos;

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

  /** The request went out on a connection: a stream's first token is timed for its deadlines from now. */
  void sent(long nanos) {
    sentNanos = nanos;
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
    long now = System.nanoTime();
    ttftMs = (now - startNanos) / 1_000_000;
    deployment.state().recordTtft(ttftMs);
    if (stream && sentNanos != 0) { // a non-streamed answer's "first token" is the whole generation
      deployment.state().recordStreamedTtft((now - sentNanos) / 1_000_000);
    }
    return held.appendBuffer(out);
  }

  /** Milliseconds from the attempt's start to its first content, -1 if it produced none. */
  long ttftMs() {
    return ttftMs;
  }
}
