package dev.modelmux.emulator;

/**
 * One model the emulator serves.
 *
 * @param tpm tokens per minute per API key (0 = unlimited)
 * @param rpm requests per minute per API key (0 = unlimited)
 * @param style how it dresses its answers ({@link AnswerStyle})
 */
public record EmulatedModel(
    String name, long ttftMs, long interTokenMs, int contextWindow, long tpm, long rpm, Fault fault, AnswerStyle style) {

  /** A model that answers clean. */
  public EmulatedModel(String name, long ttftMs, long interTokenMs, int contextWindow, long tpm, long rpm, Fault fault) {
    this(name, ttftMs, interTokenMs, contextWindow, tpm, rpm, fault, AnswerStyle.CLEAN);
  }

  public EmulatedModel withFault(Fault f) {
    return new EmulatedModel(name, ttftMs, interTokenMs, contextWindow, tpm, rpm, f, style);
  }
}
