package dev.modelmux.server;

import dev.modelmux.config.ServerConfig;
import dev.modelmux.metrics.ConnectionMeters;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;

/** The listener's options and the handlers that keep slow, idle, malformed or too many connections from holding it. */
final class FrontDoor {
  private FrontDoor() {}

  static HttpServerOptions options(ServerConfig server) {
    HttpServerOptions options = new HttpServerOptions();
    if (server.sendBufferBytes() > 0) {
      options.setSendBufferSize(server.sendBufferBytes()); // bounds what the kernel holds for a slow reader
    }
    return options
        .setHost(server.host())
        .setPort(server.port())
        .setTcpNoDelay(true)
        // h2c's preface sniffing holds a new connection before there is an HTTP/1 connection to time; clients speak HTTP/1.1.
        .setHttp2ClearTextEnabled(false)
        .setMaxInitialLineLength(server.frontDoor().maxLineBytes())
        .setMaxHeaderSize(server.frontDoor().maxHeaderBytes());
  }

  /** Installs the guards on {@code server} and {@code router}; returns the request handler to serve with. */
  static Handler<HttpServerRequest> guard(Vertx vertx, HttpServer server, Router router, ServerConfig config,
      ConnectionMeters meters, Handler<HttpServerResponse> onResponseEnd) {
    ConnectionGuard guard = new ConnectionGuard(vertx, config.frontDoor(), meters, onResponseEnd);
    MalformedHttp malformed = new MalformedHttp(config.frontDoor(), meters);
    server.connectionHandler(guard::connected);
    server.invalidRequestHandler(malformed::invalidRequest);
    router.route().failureHandler(malformed::unreadableBody);
    return guard.requests(router);
  }
}
