package dev.modelmux.config;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.util.function.Function;

/**
 * The event loops' network transport: Netty's native Linux epoll when its library loads here (fewer copies and system calls
 * than Java NIO), else Java NIO. {@code MODELMUX_TRANSPORT=native} (the default) prefers epoll and falls back to NIO where the
 * platform has none, saying why; {@code MODELMUX_TRANSPORT=nio} asks for NIO.
 */
public final class Transport {
  public static final String ENV = "MODELMUX_TRANSPORT";

  private Transport() {
  }

  /** {@code options} with the transport {@code env} asks for; a value other than native or nio is refused by name. */
  public static VertxOptions options(VertxOptions options, Function<String, String> env) {
    String wanted = env.apply(ENV);
    if (wanted == null || wanted.isBlank() || wanted.strip().equals("native")) {
      return options.setPreferNativeTransport(true);
    }
    if (wanted.strip().equals("nio")) {
      return options.setPreferNativeTransport(false);
    }
    throw new ConfigException(ENV, "must be native or nio, not '" + (wanted.length() > 20 ? wanted.substring(0, 20) + "..." : wanted) + "'");
  }

  /** What {@code vertx} runs on, for the startup line: "epoll", "nio", or "nio (native transport unavailable: why)". */
  public static String describe(Vertx vertx) {
    if (vertx.isNativeTransportEnabled()) {
      return "epoll";
    }
    Throwable why = vertx.unavailableNativeTransportCause();
    return why == null ? "nio" : "nio (native transport unavailable: " + why.getMessage() + ")";
  }
}
