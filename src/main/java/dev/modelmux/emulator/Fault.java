package dev.modelmux.emulator;

import io.vertx.core.json.JsonObject;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A misbehaviour the emulator plays for a model, set in config or switched at run time.
 *
 * @param status HTTP status for {@link Kind#STATUS}
 * @param afterTokens how many content tokens stream before a CUT, STALL, MALFORMED_CHUNK or STREAM_ERROR
 * @param delayMs extra wait before the first token for SLOW_FIRST_TOKEN; for NO_RESPONSE, STALL and MISSING_DONE how long
 *     the silence lasts before the emulator ends it (0: until the peer leaves); the retry-after a PLAIN_STATUS asks for
 *     (0: none)
 * @param times how many requests the fault applies to; 0 means every request until cleared
 * @param forMs how long the fault lasts once set (a provider that is down for a while, then healthy again); 0 means
 *     until cleared or spent
 */
public record Fault(Kind kind, int status, int afterTokens, long delayMs, int times, long forMs) {

  public enum Kind {
    NONE,
    /** Answer with an HTTP error status and the provider's error body (429s carry rate-limit headers). */
    STATUS,
    /** Close the connection before any response header is written. */
    RESET_BEFORE_HEADERS,
    /** Accept the request and never answer; after delayMs, when set, close the connection. */
    NO_RESPONSE,
    /** Wait delayMs more before the first token. */
    SLOW_FIRST_TOKEN,
    /** Stream afterTokens tokens, then reset the connection. */
    CUT,
    /** Stream afterTokens tokens, then go silent with the connection open; after delayMs, when set, close it. */
    STALL,
    /** Stream afterTokens tokens, then send a chunk that is not valid JSON. */
    MALFORMED_CHUNK,
    /**
     * Stream the whole answer but never send the terminator ([DONE] / message_stop); keep the connection open, or, after
     * delayMs when set, end the response cleanly at the HTTP level (still without the terminator).
     */
    MISSING_DONE,
    /**
     * Refuse the prompt as a content-policy violation, before any answer: HTTP 400. Azure OpenAI (and
     * OpenAI, same body): {@code code:"content_filter"} with {@code innererror.code:"ResponsibleAIPolicyViolation"}
     * and a singular {@code innererror.content_filter_result}; Anthropic: {@code invalid_request_error}
     * saying the request was blocked. Not retryable.
     */
    CONTENT_FILTER,
    /**
     * Stream afterTokens tokens, then send the dialect's in-band error event and end the response
     * (no terminator): OpenAI/Azure {@code data: {"error":{... "type":"server_error" ...}}}, Anthropic
     * {@code event: error} with {@code overloaded_error}. A non-streamed request gets the same error as
     * an HTTP status instead (OpenAI/Azure 500 {@code server_error}, Anthropic 529 {@code overloaded_error}).
     */
    STREAM_ERROR,
    /**
     * Refuse any request whose conversation ends with an assistant turn (a prefill) with a 400, as the newest Claude
     * models do; requests that end with a user turn are answered normally. Not spent by the requests it lets pass.
     */
    REJECT_PREFILL,
    /**
     * Answer with an HTTP error status and the provider's error body as a plain compatible server does: rate-limit
     * headers that show no limit reached, and a retry-after only when delayMs is set (Anthropic's 429 always has one),
     * where a {@link #STATUS} 429 or 503 asks for 1 s and a 429 reports the limits exhausted.
     */
    PLAIN_STATUS
  }

  public static final Fault NONE = new Fault(Kind.NONE, 0, 0, 0, 0, 0);

  private static final Set<String> FIELDS = Set.of("kind", "status", "after_tokens", "delay_ms", "times", "for_ms");

  public static Fault status(int status) {
    return new Fault(Kind.STATUS, status, 0, 0, 0, 0);
  }

  /** A {@link Kind#PLAIN_STATUS} fault: the status with no retry-after (add one with {@link #delayMs}). */
  public static Fault plainStatus(int status) {
    return new Fault(Kind.PLAIN_STATUS, status, 0, 0, 0, 0);
  }

  public static Fault of(Kind kind) {
    return new Fault(kind, 0, 0, 0, 0, 0);
  }

  public Fault afterTokens(int tokens) {
    return new Fault(kind, status, tokens, delayMs, times, forMs);
  }

  public Fault delayMs(long delay) {
    return new Fault(kind, status, afterTokens, delay, times, forMs);
  }

  public Fault times(int count) {
    return new Fault(kind, status, afterTokens, delayMs, count, forMs);
  }

  /** The fault lasts {@code millis} from when it is set, then the model is healthy again. */
  public Fault forMs(long millis) {
    return new Fault(kind, status, afterTokens, delayMs, times, millis);
  }

  /** Parses {@code {"kind":"status","status":503,"times":1}}; throws IllegalArgumentException naming the field. */
  public static Fault fromJson(JsonObject json) {
    for (String name : json.fieldNames()) {
      if (!FIELDS.contains(name)) {
        throw new IllegalArgumentException(name + ": unknown field (known: kind, status, after_tokens, delay_ms, times, for_ms)");
      }
    }
    Object rawKind = json.getValue("kind");
    if (!(rawKind instanceof String)) {
      throw new IllegalArgumentException("kind: missing or not a string");
    }
    Kind kind;
    try {
      kind = Kind.valueOf(((String) rawKind).toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("kind: unknown fault '" + rawKind + "' (known: " + Arrays.stream(Kind.values())
          .map(k -> k.name().toLowerCase(Locale.ROOT)).collect(Collectors.joining(", ")) + ")");
    }
    int status = intField(json, "status", 0);
    if ((kind == Kind.STATUS || kind == Kind.PLAIN_STATUS) && (status < 400 || status > 599)) {
      throw new IllegalArgumentException("status: must be an HTTP error status (400-599)");
    }
    return new Fault(kind, status, intField(json, "after_tokens", 0), intField(json, "delay_ms", 0), intField(json, "times", 0),
        intField(json, "for_ms", 0));
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("kind", kind.name().toLowerCase(Locale.ROOT))
        .put("status", status)
        .put("after_tokens", afterTokens)
        .put("delay_ms", delayMs)
        .put("times", times)
        .put("for_ms", forMs);
  }

  private static int intField(JsonObject json, String name, int fallback) {
    Object value = json.getValue(name);
    if (value == null) {
      return fallback;
    }
    if (!(value instanceof Number) || ((Number) value).longValue() < 0 || ((Number) value).longValue() > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(name + ": must be a non-negative whole number");
    }
    return ((Number) value).intValue();
  }
}
