package dev.modelmux.interactions;

import static dev.modelmux.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.modelmux.testing.GatewayFixture;
import dev.modelmux.testing.TestClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Without an interaction log, GET /admin/costs answers from this replica's live counters, per deployment. */
@ExtendWith(VertxExtension.class)
class LiveCostsTest {
  @Test
  void costsWithoutALogAreTheLiveCountersAtTheDeploymentsPrice(Vertx vertx) {
    GatewayFixture fixture = await(GatewayFixture.start(vertx));
    TestClient client = new TestClient(vertx, fixture.port());
    try {
      long in = 0;
      long out = 0;
      for (String say : new String[] {"say: one", "say: two words"}) {
        JsonObject usage = await(client.postJson("/v1/chat/completions", new JsonObject().put("model", "gpt-4")
            .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", say))))).json().getJsonObject("usage");
        in += usage.getLong("prompt_tokens");
        out += usage.getLong("completion_tokens");
      }
      TestClient.Reply reply = await(client.get("/admin/costs"));
      JsonObject costs = reply.json();
      assertThat(costs.getString("source")).contains("live counters");
      assertThat(reply.body().toString()).contains("\"total_usd\":" + CostRows.usd((in * 30.0 + out * 60.0) / 1_000_000) + ",")
          .containsPattern("\"rows\":\\[(\\{\"deployment\":\"[\\w-]+\",\"prompt_tokens\":\\d+,\"completion_tokens\":\\d+,"
              + "\"cost_usd\":\\d+\\.\\d{6}},?)+]");
      long tokensIn = costs.getJsonArray("rows").stream().mapToLong(r -> ((JsonObject) r).getLong("prompt_tokens")).sum();
      assertThat(tokensIn).isEqualTo(in);
      assertThat(await(client.get("/admin/costs?group=task")).status()).isEqualTo(400);
      assertThat(costs.getBoolean("include_eval")).as("live counters cannot tell eval traffic apart").isTrue();
      assertThat(costs.getString("note")).contains("eval");
    } finally {
      await(client.close());
      await(fixture.close());
    }
  }

  /** include is checked as on the log's path: eval or absent, anything else is a 400. */
  @Test
  void liveCostsRefuseAnIncludeOtherThanEval(Vertx vertx) {
    GatewayFixture fixture = await(GatewayFixture.start(vertx));
    TestClient client = new TestClient(vertx, fixture.port());
    try {
      TestClient.Reply refused = await(client.get("/admin/costs?include=everything"));
      assertThat(refused.status()).isEqualTo(400);
      assertThat(refused.body().toString()).contains("'include' must be eval");
      assertThat(await(client.get("/admin/costs?include=eval")).status()).isEqualTo(200);
    } finally {
      await(client.close());
      await(fixture.close());
    }
  }
}
