package dev.modelmux.emulator;

/**
 * The identity every body or chunk of one answer repeats.
 *
 * @param apiVersion the request's {@code api-version} query parameter (Azure quotes it in messages), or null
 */
public record ResponseMeta(String requestId, String completionId, long createdSeconds, String model, boolean includeUsage,
    String apiVersion) {

  public ResponseMeta(String requestId, String completionId, long createdSeconds, String model, boolean includeUsage) {
    this(requestId, completionId, createdSeconds, model, includeUsage, null);
  }
}
