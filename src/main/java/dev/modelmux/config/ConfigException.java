package dev.modelmux.config;

/** A configuration problem; the message always names the offending field. */
public final class ConfigException extends RuntimeException {
  public ConfigException(String field, String problem) {
    super(field + ": " + problem);
  }

  public ConfigException(String fieldAndProblem) {
    super(fieldAndProblem);
  }
}
