package dev.modelmux.gateway;

import dev.modelmux.routing.Deployment;
import dev.modelmux.routing.Route;
import dev.modelmux.routing.RouteTable;
import dev.modelmux.translate.Translators;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpServerResponse;
import java.util.List;

/** Serves one validated request: resolve the route, try its candidates in order until one answers, log it. */
public final class ChatService {
  private final Vertx vertx;
  private final HttpClient http;
  private final RouteTable routes;

  public ChatService(Vertx vertx, HttpClient http, RouteTable routes) {
    this.vertx = vertx;
    this.http = http;
    this.routes = routes;
  }

  public void serve(ChatRequest request, HttpServerResponse response, long startNanos) {
    ClientChannel client = new ClientChannel(response, request, startNanos);
    Route route = routes.resolve(request.model()).orElse(null);
    if (route == null) {
      GatewayError notFound = GatewayError.of(404, ErrorKind.NOT_FOUND,
          "The model `" + request.model() + "` does not exist or you do not have access to it.").withParam("model");
      client.fail(notFound);
      AccessLog.log(client, 404, Usage.UNKNOWN, elapsedMs(startNanos), "unknown_model");
      return;
    }
    client.route(route.name());
    tryFrom(routes.candidates(route), 0, client, null).onComplete(done -> {
      if (done.succeeded()) {
        AttemptResult result = done.result();
        boolean clean = result.errorAfterCommit() == null;
        AccessLog.log(client, 200, result.usage(), elapsedMs(startNanos), clean ? "ok" : "failed_mid_stream");
      } else {
        GatewayError error = done.cause() instanceof GatewayException e ? e.error()
            : GatewayError.of(500, ErrorKind.INTERNAL, "The gateway failed to serve this request.");
        client.fail(error);
        AccessLog.log(client, error.status(), Usage.UNKNOWN, elapsedMs(startNanos), client.gone() ? "client_gone" : "error");
      }
    });
  }

  private Future<AttemptResult> tryFrom(List<Deployment> candidates, int index, ClientChannel client, GatewayError last) {
    if (index >= candidates.size()) {
      return Future.failedFuture(new GatewayException(last));
    }
    Deployment deployment = candidates.get(index);
    Translator translator;
    try {
      translator = Translators.create(client.request(), deployment.config());
    } catch (GatewayException untranslatable) {
      // This provider cannot express the request (n > 1 on Anthropic, say); a later candidate may.
      return tryFrom(candidates, index + 1, client, untranslatable.error());
    }
    return new UpstreamAttempt(vertx, http, client, deployment, translator).run().recover(failure -> {
      GatewayError error = failure instanceof GatewayException e ? e.error()
          : GatewayError.of(502, ErrorKind.UPSTREAM_ERROR, "Deployment '" + deployment.id() + "' failed.");
      if (client.gone() || client.committed() || !Failover.worthTryingNext(error)) {
        return Future.failedFuture(new GatewayException(error));
      }
      return tryFrom(candidates, index + 1, client, error);
    });
  }

  private static long elapsedMs(long startNanos) {
    return (System.nanoTime() - startNanos) / 1_000_000;
  }
}
