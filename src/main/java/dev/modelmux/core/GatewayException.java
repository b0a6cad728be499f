package dev.modelmux.core;

/** Carries a {@link GatewayError} through a Future chain; no stack trace, as it is an expected outcome. */
public final class GatewayException extends RuntimeException {
  private final GatewayError error;

  public GatewayException(GatewayError error) {
    super(error.message(), null, false, false);
    this.error = error;
  }

  public GatewayError error() {
    return error;
  }
}
