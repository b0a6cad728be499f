package dev.modelmux.config;

/** A provider key. Its toString never reveals it, so it cannot leak through logs or error messages. */
public final class Secret {
  private final String value;

  public Secret(String value) {
    this.value = value;
  }

  public String reveal() {
    return value;
  }

  @Override
  public String toString() {
    return "***";
  }
}
