package dev.modelmux.emulator;

/**
 * One model the emulator serves.
 *
 * @param tpm tokens per minute per API key (0 = unlimited)
 * @param rpm requests per minute per API key (0 = unlimited)
 */
public record EmulatedModel(
    String name, long ttftMs, long interTokenMs, int contextWindow, long tpm, long rpm, Fault fault) {

  public EmulatedModel withFault(Fault f) {
    return new EmulatedModel(name, ttftMs, interTokenMs, contextWindow, tpm, rpm, f);
  }
}
