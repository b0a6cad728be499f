package dev.modelmux.exchange;

import io.vertx.core.buffer.Buffer;

/** A copy of up to a bound of what the client is sent, for the interaction log. */
public final class KeptAnswer {
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

  public int maxBytes() {
    return maxBytes;
  }

  public Buffer bytes() {
    return kept;
  }
}
