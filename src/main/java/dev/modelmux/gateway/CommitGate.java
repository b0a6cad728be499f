package dev.modelmux.gateway;

import dev.modelmux.routing.Deployment;
import io.vertx.core.buffer.Buffer;

/**
 * Nothing reaches the client before an attempt has content: what comes first (a role chunk, message_start) is held
 * here, and the first content commits the client's response to this attempt — unless a racing attempt (a hedge)
 * took it first. Until then every failure can still go to another deployment.
 */
final class CommitGate {
  private final ClientChannel client;
  private final Deployment deployment;
  private final Object attempt;
  private final Runnable onCommit;
  private final long startNanos;
  private final Buffer held = Buffer.buffer();
  private boolean committed;
  private long ttftMs = -1;

  /** @param alreadyCommitted a continuation writes into a response another attempt committed */
  CommitGate(ClientChannel client, Deployment deployment, Object attempt, Runnable onCommit, long startNanos, boolean alreadyCommitted) {
    this.client = client;
    this.deployment = deployment;
    this.attempt = attempt;
    this.onCommit = onCommit;
    this.startNanos = startNanos;
    this.committed = alreadyCommitted;
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
    if (!client.claim(attempt, deployment)) {
      return null;
    }
    committed = true;
    onCommit.run();
    client.commit(stream);
    ttftMs = (System.nanoTime() - startNanos) / 1_000_000;
    deployment.state().recordTtft(ttftMs);
    return held.appendBuffer(out);
  }

  /** Milliseconds from the attempt's start to its first content, -1 if it produced none. */
  long ttftMs() {
    return ttftMs;
  }
}
