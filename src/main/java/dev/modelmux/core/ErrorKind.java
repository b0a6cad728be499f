package dev.modelmux.core;

/** What went wrong, independent of any wire format; each client dialect renders it in its own words. */
public enum ErrorKind {
  INVALID_REQUEST,
  /** No client key, a wrong one, or (in protected mode) a client the gateway does not serve without auth configured. */
  UNAUTHENTICATED,
  /** A known client asking for something its key does not allow (a route outside its allowlist). */
  FORBIDDEN,
  UNSUPPORTED_MEDIA_TYPE,
  REQUEST_TOO_LARGE,
  NOT_FOUND,
  CONTEXT_LENGTH_EXCEEDED,
  CONTENT_FILTER,
  RATE_LIMIT_REQUESTS,
  RATE_LIMIT_TOKENS,
  QUOTA_EXCEEDED,
  OVERLOADED,
  /** The gateway's own upstream connection pool is full: local saturation, not a provider fault. */
  SATURATED,
  UPSTREAM_ERROR,
  /**
   * The provider says something the call named does not exist (HTTP 404): the deployment's model or endpoint, or a
   * file the client's content named. A 502 that fails over, but no sign of the provider's health: a client could cause it.
   */
  UPSTREAM_NOT_FOUND,
  /** The provider answered, but not in the shape the prompt variant demands (its post-processing refused it). */
  NONCONFORMING_ANSWER,
  UPSTREAM_UNREACHABLE,
  TIMEOUT,
  /** The gateway itself is going away (a drain ran out of time): neither the client's fault nor the provider's. */
  SHUTTING_DOWN,
  INTERNAL
}
