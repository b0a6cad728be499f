package dev.modelmux.core;

/** The client APIs modelmux speaks: a request arrives in one of them and is answered in the same one. */
public enum Dialect {
  OPENAI("openai"),
  ANTHROPIC("anthropic");

  private final String wireName;

  Dialect(String wireName) {
    this.wireName = wireName;
  }

  /** The lower-case name used in logs, metrics and config. */
  public String wireName() {
    return wireName;
  }
}
