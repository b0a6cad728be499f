package dev.modelmux.emulator;

/**
 * A refusal, described by its facts rather than by any dialect's wording: each wire format turns it
 * into its own status body, message and headers. Thrown through Future chains, so it has no stack trace.
 */
public final class ApiError extends RuntimeException {

  public enum Kind {
    MISSING_API_KEY, INVALID_JSON, MISSING_PARAMETER, INVALID_PARAMETER, MODEL_NOT_FOUND,
    CONTEXT_LENGTH, RATE_LIMIT_REQUESTS, RATE_LIMIT_TOKENS, REQUEST_TOO_LARGE,
    /** An error status played by a {@link Fault.Kind#STATUS} fault. */
    INJECTED,
    /** The dialect's required protocol version is missing (Azure {@code api-version} query parameter, {@code anthropic-version} header). */
    MISSING_API_VERSION,
    /** The prompt was refused by the content filter (a {@link Fault.Kind#CONTENT_FILTER} fault). */
    CONTENT_FILTER
  }

  /** The numbers a refusal quotes: a limit (or context window), what was used and requested, and when to retry. */
  private record Amounts(long limit, long used, long requested, long completion, long retryAfterMs) {
    static final Amounts NONE = new Amounts(0, 0, 0, 0, 0);
  }

  private final Kind kind;
  private final int status;
  private final String param;
  private final String code;
  private final String model;
  private final Amounts amounts;
  private volatile RateLimitState rateLimit;

  private ApiError(Kind kind, int status, String detail, String param, String code, String model, Amounts amounts) {
    super(detail, null, false, false);
    this.kind = kind;
    this.status = status;
    this.param = param;
    this.code = code;
    this.model = model;
    this.amounts = amounts;
  }

  public static ApiError missingApiKey() {
    return new ApiError(Kind.MISSING_API_KEY, 401, null, null, "invalid_api_key", null, Amounts.NONE);
  }

  public static ApiError invalidJson() {
    return new ApiError(Kind.INVALID_JSON, 400, null, null, null, null, Amounts.NONE);
  }

  /** A missing required field; {@code detail} is the dialect's own message. */
  public static ApiError missingParameter(String param, String detail) {
    return new ApiError(Kind.MISSING_PARAMETER, 400, detail, param, "missing_required_parameter", null, Amounts.NONE);
  }

  /** A field with a bad value; {@code detail} is the dialect's own message. */
  public static ApiError invalidParameter(String param, String code, String detail) {
    return new ApiError(Kind.INVALID_PARAMETER, 400, detail, param, code, null, Amounts.NONE);
  }

  /** The dialect's version parameter or header ({@code param}) is missing. */
  public static ApiError missingApiVersion(String param) {
    return new ApiError(Kind.MISSING_API_VERSION, 400, null, param, null, null, Amounts.NONE);
  }

  /** The prompt was blocked by the content filter. */
  public static ApiError contentFilter(String model) {
    return new ApiError(Kind.CONTENT_FILTER, 400, null, "prompt", "content_filter", model, Amounts.NONE);
  }

  public static ApiError modelNotFound(String model) {
    return new ApiError(Kind.MODEL_NOT_FOUND, 404, null, null, "model_not_found", model, Amounts.NONE);
  }

  /** Prompt plus requested output ({@code completion}, 0 when none was asked) over the context {@code window}. */
  public static ApiError contextLength(String model, long window, long prompt, long completion) {
    return new ApiError(Kind.CONTEXT_LENGTH, 400, null, "messages", "context_length_exceeded", model,
        new Amounts(window, 0, prompt, completion, 0));
  }

  public static ApiError rateLimited(Kind kind, String model, long limit, long used, long requested, long retryAfterMs) {
    return new ApiError(kind, 429, null, null, "rate_limit_exceeded", model,
        new Amounts(limit, used, requested, 0, retryAfterMs));
  }

  /** An error status played by a fault; {@code rpm} is quoted in a 429's message. */
  public static ApiError injected(int status, String model, long rpm) {
    return new ApiError(Kind.INJECTED, status, null, null, null, model,
        new Amounts(rpm, rpm, 1, 0, status == 429 || status == 503 ? 1000 : 0));
  }

  /** An error status played by a fault that asks for {@code retryAfterMs} (0: no retry-after). */
  public static ApiError injected(int status, String model, long rpm, long retryAfterMs) {
    return new ApiError(Kind.INJECTED, status, null, null, null, model, new Amounts(rpm, rpm, 1, 0, retryAfterMs));
  }

  /** The same error, now naming {@code model} (for stats and headers of errors found before the model was read). */
  public static ApiError withModel(ApiError e, String model) {
    ApiError copy = new ApiError(e.kind, e.status, e.getMessage(), e.param, e.code, model, e.amounts);
    copy.rateLimit = e.rateLimit;
    return copy;
  }

  /** Attaches the rate-limit state the response headers report; returns this. */
  public ApiError rateLimit(RateLimitState state) {
    this.rateLimit = state;
    return this;
  }

  /** The rate-limit state for the headers, or null when no model was resolved. */
  public RateLimitState rateLimit() {
    return rateLimit;
  }

  public Kind kind() {
    return kind;
  }

  public int status() {
    return status;
  }

  /** The dialect's message for parameter errors, null otherwise. */
  public String detail() {
    return getMessage();
  }

  public String param() {
    return param;
  }

  public String code() {
    return code;
  }

  public String model() {
    return model;
  }

  /** Rate limit, or context window for CONTEXT_LENGTH. */
  public long limit() {
    return amounts.limit();
  }

  public long used() {
    return amounts.used();
  }

  /** Requested requests/tokens, or prompt tokens for CONTEXT_LENGTH. */
  public long requested() {
    return amounts.requested();
  }

  /** Requested output tokens for CONTEXT_LENGTH (0 when none was asked). */
  public long completion() {
    return amounts.completion();
  }

  /** How long the client should wait, 0 when it should not retry on time alone. */
  public long retryAfterMs() {
    return amounts.retryAfterMs();
  }
}
