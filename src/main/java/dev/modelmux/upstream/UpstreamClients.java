package dev.modelmux.upstream;

import dev.modelmux.config.DeploymentConfig;
import dev.modelmux.config.PoolConfig;
import dev.modelmux.provider.Providers;
import dev.modelmux.provider.RequestTemplate;
import dev.modelmux.routing.Deployment;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One event loop's HTTP clients to the deployments, one per deployment: accounts on the same provider host get a pool
 * each, sized by the deployment's {@code pool} settings and its connect deadline; and the deployment's request
 * template, so a call sets a few fields instead of parsing its URL and building its headers.
 */
public final class UpstreamClients {
  private final Map<String, Target> byDeployment = new HashMap<>();

  /** How to reach one deployment from this event loop; its template is worked out at its first call. */
  static final class Target {
    private final HttpClient http;
    private final DeploymentConfig deployment;
    private RequestTemplate template;

    Target(HttpClient http, DeploymentConfig deployment) {
      this.http = http;
      this.deployment = deployment;
    }

    HttpClient http() {
      return http;
    }

    RequestTemplate template() {
      if (template == null) {
        template = RequestTemplate.of(Providers.of(deployment.provider()), deployment);
      }
      return template;
    }
  }

  /** @param eventLoops how many event loops share each deployment's pool */
  public UpstreamClients(Vertx vertx, List<DeploymentConfig> deployments, int eventLoops) {
    for (DeploymentConfig d : deployments) {
      PoolConfig pool = d.pool();
      byDeployment.put(d.id(), new Target(vertx.createHttpClient(
          new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true).setPipelining(false)
              .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, d.timeouts().connectMs())),
          new PoolOptions().setHttp1MaxSize(pool.connectionsPerEventLoop(eventLoops))
              .setMaxWaitQueueSize(pool.waitQueuePerEventLoop(eventLoops))), d));
    }
  }

  Target of(Deployment deployment) {
    return byDeployment.get(deployment.id());
  }
}
