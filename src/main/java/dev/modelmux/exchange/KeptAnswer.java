package dev.modelmux.exchange;

import io.vertx.core.buffer.Buffer;

/** A copy of up to a bound of what the client is sent, for the interaction log; {@link #NONE} keeps nothing. */
public final class KeptAnswer {
  static final KeptAnswer NONE = new KeptAnswer(0);

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

  /** Whether the answer is kept for the log (true for any bound, 0 included; false for {@link #NONE} alone). */
  public boolean keeps() {
    return this != NONE;
  }

  public int maxBytes() {
    return maxBytes;
  }

  public Buffer bytes() {
    return kept;
  }
}
