package dev.modelmux.bench;

import dev.modelmux.bench.Scenario.Mode;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;

/** The client, and the request head and body each (mode, target) is sent with, built once per run. */
final class RequestTemplates {
  final RequestOptions[] options;
  private final Buffer[][] bodies;

  RequestTemplates(Scenario scenario) {
    int n = scenario.targets().size();
    options = new RequestOptions[n];
    for (int t = 0; t < n; t++) {
      RequestOptions o = new RequestOptions().setMethod(HttpMethod.POST)
          .setAbsoluteURI(scenario.targets().get(t).url().toString())
          .setIdleTimeout(scenario.drainTimeout().toMillis())
          .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
          .putHeader(HttpHeaders.ACCEPT, "application/json, text/event-stream");
      scenario.headers().forEach(o::putHeader);
      options[t] = o;
    }
    bodies = new Buffer[Mode.values().length][n];
    for (Mode m : Mode.values()) {
      for (int t = 0; t < n; t++) {
        bodies[m.ordinal()][t] = scenario.bodyFor(m, t).toBuffer();
      }
    }
  }

  /** HTTP/1.1 keep-alive, no pipelining, {@code connections} per target, requests beyond them queued. */
  static HttpClientAgent client(Vertx vertx, Scenario scenario) {
    return vertx.createHttpClient(
        new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true).setPipelining(false)
            .setDecompressionSupported(false).setConnectTimeout((int) Math.min(Integer.MAX_VALUE,
                scenario.drainTimeout().toMillis())),
        new PoolOptions().setHttp1MaxSize(scenario.connections()).setMaxWaitQueueSize(-1));
  }

  int targets() {
    return options.length;
  }

  Buffer body(Mode mode, int target) {
    return bodies[mode.ordinal()][target];
  }
}
