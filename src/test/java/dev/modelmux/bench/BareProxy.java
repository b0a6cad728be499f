package dev.modelmux.bench;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.transport.Transport;
import io.vertx.httpproxy.HttpProxy;

/**
 * The floor of scripts/bench.sh's floor case: a bare reverse proxy made of {@code vertx-http-proxy}, what Vert.x itself
 * costs in front of the emulator. One verticle per event loop (as many as processors, as the gateway deploys), each
 * with its HTTP server and its keep-alive client to the upstream; TCP_NODELAY on both legs, bodies streamed through
 * (no cache, no buffering), nothing read or rewritten. Prefers the native transport unless
 * {@code MODELMUX_TRANSPORT=nio}, and says which one it got.
 *
 * <p>{@code java -cp CLASSPATH dev.modelmux.bench.BareProxy PORT UPSTREAM_HOST:PORT}
 */
public final class BareProxy extends VerticleBase {
  /** Upstream connections per verticle: with one verticle per event loop, 256 and more in flight find one each. */
  static final int POOL_PER_VERTICLE = 512;
  static final String HOST = "127.0.0.1";

  private final int port;
  private final SocketAddress upstream;

  BareProxy(int port, SocketAddress upstream) {
    this.port = port;
    this.upstream = upstream;
  }

  @Override
  public Future<?> start() {
    HttpClient client = vertx.createHttpClient(
        new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true).setPipelining(false),
        new PoolOptions().setHttp1MaxSize(POOL_PER_VERTICLE).setMaxWaitQueueSize(-1));
    HttpServer server = vertx.createHttpServer(new HttpServerOptions().setHost(HOST).setPort(port).setTcpNoDelay(true));
    return server.requestHandler(HttpProxy.reverseProxy(client).origin(upstream)).listen();
  }

  /** Deploys {@code instances} proxies sharing {@code port} on 127.0.0.1, in front of {@code upstream}. */
  static Future<String> deploy(Vertx vertx, int port, SocketAddress upstream, int instances) {
    return vertx.deployVerticle(() -> new BareProxy(port, upstream), new DeploymentOptions().setInstances(instances));
  }

  /** {@code native} unless the environment says {@code MODELMUX_TRANSPORT=nio}. */
  static boolean wantsNative(String setting) {
    return setting == null || !setting.trim().equalsIgnoreCase("nio");
  }

  static String transportName(Vertx vertx) {
    if (!vertx.isNativeTransportEnabled()) {
      return "nio";
    }
    Transport found = Transport.nativeTransport();
    return found == null ? "native" : found.name().toLowerCase();
  }

  public static void main(String[] args) {
    if (args.length != 2 || args[1].lastIndexOf(':') <= 0) {
      System.err.println("usage: BareProxy PORT UPSTREAM_HOST:PORT");
      System.exit(2);
    }
    int port = Integer.parseInt(args[0]);
    int colon = args[1].lastIndexOf(':');
    SocketAddress upstream = SocketAddress.inetSocketAddress(Integer.parseInt(args[1].substring(colon + 1)),
        args[1].substring(0, colon));
    int cores = Runtime.getRuntime().availableProcessors();
    boolean preferNative = wantsNative(System.getenv("MODELMUX_TRANSPORT"));
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(cores).setPreferNativeTransport(preferNative));
    if (preferNative && !vertx.isNativeTransportEnabled()) {
      System.err.println("bare-proxy: no native transport, on NIO: " + vertx.unavailableNativeTransportCause());
    }
    deploy(vertx, port, upstream, cores)
        .onSuccess(id -> System.out.println("bare-proxy listening on " + HOST + ":" + port + " (transport "
            + transportName(vertx) + ", " + cores + " event loops) in front of " + args[1]))
        .onFailure(e -> {
          System.err.println("bare-proxy failed to start: " + e);
          System.exit(1);
        });
  }
}
