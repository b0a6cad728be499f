package dev.modelmux.provider;

import dev.modelmux.config.Secret;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What of a provider's error {@code code} and {@code param} may reach a client: a code only when it is one the providers
 * document, a param only when it reads as a request field path ({@code messages[0].content}) and quotes no key. Anything
 * else (a provider or proxy can put any text there, the key included) is dropped.
 */
public final class UpstreamErrorFields {
  private static final Set<String> KNOWN_CODES = Set.of(
      "context_length_exceeded", "rate_limit_exceeded", "insufficient_quota", "invalid_api_key", "model_not_found",
      "content_filter", "invalid_type", "invalid_value", "empty_array", "missing_required_parameter", "unsupported_parameter",
      "unsupported_value", "unknown_parameter", "string_above_max_length", "array_above_max_length", "array_below_min_length",
      "integer_above_max_value", "integer_below_min_value", "decimal_above_max_value", "decimal_below_min_value",
      "invalid_prompt", "billing_hard_limit_reached", "server_error");
  private static final Pattern FIELD_PATH = Pattern.compile("[a-z_][a-z0-9_]*(\\[\\d{1,6}]|\\.\\d{1,6}|\\.[a-z_][a-z0-9_]*)*");
  private static final int MAX_PARAM = 100;

  private UpstreamErrorFields() {}

  /** The provider's code if it is a known one, else null. */
  public static String code(Object code) {
    return code instanceof String s && KNOWN_CODES.contains(s) ? s : null;
  }

  /** The provider's param if it is a plain field path that contains no fragment of {@code key}, else null. */
  public static String param(Object param, Secret key) {
    if (!(param instanceof String s) || s.length() > MAX_PARAM || !FIELD_PATH.matcher(s).matches()) {
      return null;
    }
    return Redaction.redact(s, key).equals(s) ? s : null;
  }
}
