package dev.modelmux.server;

import static dev.modelmux.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.modelmux.testing.GatewayFixture;
import dev.modelmux.testing.TestClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Every metric a panel of k8s/grafana/modelmux.json queries exists in a real /metrics scrape after real traffic. */
@ExtendWith(VertxExtension.class)
class DashboardTest {
  private static final Pattern METRIC = Pattern.compile("\\b((?:modelmux|gen_ai)_[a-z0-9_]+)\\b");

  @Test
  void everyPanelQueriesMetricsTheGatewayExposes(Vertx vertx, @TempDir Path dir) throws Exception {
    JsonObject dashboard = new JsonObject(Files.readString(Path.of("k8s/grafana/modelmux.json")));
    Set<String> queried = new LinkedHashSet<>();
    for (Object p : dashboard.getJsonArray("panels")) {
      JsonArray targets = ((JsonObject) p).getJsonArray("targets");
      assertThat(targets).as(((JsonObject) p).getString("title")).isNotEmpty();
      for (Object t : targets) {
        // Label names (in "by (...)" and in selectors) are not metrics.
        String expr = ((JsonObject) t).getString("expr").replaceAll("by \\([^)]*\\)", "").replaceAll("\\{[^}]*}", "");
        Matcher m = METRIC.matcher(expr);
        while (m.find()) {
          queried.add(m.group(1));
        }
      }
    }
    assertThat(queried).hasSizeGreaterThan(15);

    GatewayFixture fixture = await(GatewayFixture.start(vertx, GatewayFixture.CROSS_MODELS, GatewayFixture.CROSS,
        "interactions: { store: sqlite, path: " + dir.resolve("log.db") + " }\n"));
    TestClient client = new TestClient(vertx, fixture.port());
    try {
      JsonArray ask = new JsonArray().add(new JsonObject().put("role", "user").put("content", "words: 5"));
      await(client.stream(new JsonObject().put("model", "via-openai").put("stream", true).put("messages", ask)));
      await(client.postJson("/v1/chat/completions", new JsonObject().put("model", "via-anthropic").put("messages", ask)));
      String scrape = await(client.get("/metrics")).body().toString();
      Set<String> exposed = new LinkedHashSet<>();
      for (String line : scrape.split("\n")) {
        if (!line.startsWith("#") && !line.isBlank()) {
          exposed.add(line.split("[{ ]", 2)[0]);
        }
      }
      assertThat(exposed).containsAll(queried);
    } finally {
      await(client.close());
      await(fixture.close());
    }
  }
}
