package dev.modelmux.core;

/**
 * A failure to answer, in canonical form: the HTTP status the client gets, its kind, a message safe to show
 * (never a key, never a stack trace), the request field it is about, a finer machine code where one is known
 * (such as "missing_required_parameter"), and how long to wait before retrying.
 */
public record GatewayError(int status, ErrorKind kind, String message, String param, String code, long retryAfterMs) {

  public static GatewayError invalid(String message, String param, String code) {
    return new GatewayError(400, ErrorKind.INVALID_REQUEST, message, param, code, 0);
  }

  public static GatewayError of(int status, ErrorKind kind, String message) {
    return new GatewayError(status, kind, message, null, null, 0);
  }

  public GatewayError withRetryAfterMs(long ms) {
    return new GatewayError(status, kind, message, param, code, ms);
  }

  public GatewayError withCode(String machineCode) {
    return new GatewayError(status, kind, message, param, machineCode, retryAfterMs);
  }

  public GatewayError withParam(String field) {
    return new GatewayError(status, kind, message, field, code, retryAfterMs);
  }
}
