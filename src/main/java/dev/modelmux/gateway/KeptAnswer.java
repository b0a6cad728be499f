package dev.modelmux.gateway;

import io.vertx.core.buffer.Buffer;

/** A copy of up to a bound of what the client is sent, for the interaction log. */
final class KeptAnswer {
  private final Buffer kept = Buffer.buffer();
  private final int maxBytes;

  KeptAnswer(int maxBytes) {
    this.maxBytes = maxBytes;
  }

  void keep(Buffer data) {
    if (kept.length() < maxBytes) {
      kept.appendBuffer(data, 0, Math.min(data.length(), maxBytes - kept.length()));
    }
  }

  int maxBytes() {
    return maxBytes;
  }

  Buffer bytes() {
    return kept;
  }
}
