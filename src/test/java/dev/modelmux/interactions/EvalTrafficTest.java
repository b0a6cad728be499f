package dev.modelmux.interactions;

import static dev.modelmux.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.modelmux.config.AuthConfig;
import dev.modelmux.spi.Interaction;
import dev.modelmux.testing.GatewayFixture;
import dev.modelmux.testing.TestClient;
import dev.modelmux.testing.TestClient.Reply;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code eval --url} traffic ({@code x-modelmux-eval: <run id>}): logged with its run id, counted toward budgets, but
 * left out of /admin/costs and the review queue unless {@code include=eval} asks for it. Only an operator key (or a
 * gateway without an auth section, loopback only) may tag a call so: a client key's header is ignored, so no client
 * can hide its own spending.
 */
@ExtendWith(VertxExtension.class)
class EvalTrafficTest {
  static final String OPS_KEY = "sk-operator-5b1e9d3c7a2f4860";
  static final String IDE_KEY = "sk-client-ide-0c9b8a7f6e5d4132";
  static final String AUTH = """
      auth:
        mode: keys
        keys:
          - { id: ops, key_sha256: "%s", admin: true }
          - { id: ide, key_sha256: "%s" }
      """.formatted(hex(OPS_KEY), hex(IDE_KEY));
  private static final String SECRET = "postgres://app:" + "Ev4lS3cretPw" + "@db/prod";

  @TempDir
  Path dir;
  private GatewayFixture fixture;
  private TestClient client;

  private static String hex(String key) {
    return HexFormat.of().formatHex(AuthConfig.sha256(key));
  }

  private void start(Vertx vertx, String auth) {
    String extra = auth + "interactions: { store: sqlite, path: " + dir.resolve("log.db") + ", flush_ms: 10 }\n";
    fixture = await(GatewayFixture.start(vertx, GatewayFixture.CROSS_MODELS, InteractionLogTest.DEPLOYMENTS, extra));
    client = new TestClient(vertx, fixture.port());
  }

  @AfterEach
  void stop() {
    if (client != null) {
      await(client.close());
    }
    if (fixture != null) {
      await(fixture.close());
    }
  }

  /** A plain call (answered, costs money) and a blocked one (a guard finding, so the review queue takes it), each tagged. */
  private List<String> callsTagged(String key, String run) {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap().add("x-modelmux-eval", run);
    if (key != null) {
      headers.add("authorization", "Bearer " + key);
    }
    Reply answered = await(client.post("/v1/chat/completions", ask("code", "say: the loop adds them up").encode(), "application/json", headers));
    assertThat(answered.status()).as(answered.body().toString()).isEqualTo(200);
    assertThat(answered.headers().get("x-modelmux-eval")).as("echoed only when honoured")
        .isEqualTo(OPS_KEY.equals(key) || key == null ? run : null);
    Reply blocked = await(client.post("/v1/chat/completions", ask("strict", "connect to " + SECRET).encode(), "application/json", headers));
    assertThat(blocked.status()).isEqualTo(400);
    String keyId = key == null ? null : key.equals(OPS_KEY) ? "ops" : "ide";
    return List.of(Interaction.logId(keyId, answered.headers().get("x-request-id")), Interaction.logId(keyId, blocked.headers().get("x-request-id")));
  }

  private static JsonObject ask(String model, String text) {
    return new JsonObject().put("model", model)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", text)));
  }

  private JsonObject stored(String logId) {
    InteractionLog log = fixture.gateway.interactions();
    await(log.stored(logId));
    return await(log.store().find(logId));
  }

  private JsonObject operatorGet(String path) {
    Reply reply = await(client.getAsOperator(path, OPS_KEY));
    assertThat(reply.status()).as(path + ": " + reply.body()).isEqualTo(200);
    return reply.json();
  }

  private static List<String> keysIn(JsonObject costs) {
    return costs.getJsonArray("rows").stream().map(r -> ((JsonObject) r).getString("key")).toList();
  }

  private static List<String> caseIds(JsonObject queue) {
    return queue.getJsonArray("cases").stream().map(c -> ((JsonObject) c).getString("request_id")).toList();
  }

  @Test
  void anOperatorsEvalCallsAreLoggedWithTheirRunButLeftOutOfCostsAndReviewUnlessIncluded(Vertx vertx) {
    start(vertx, AUTH);
    List<String> eval = callsTagged(OPS_KEY, "eval-run-1");
    List<String> ordinary = callsTagged(IDE_KEY, "eval-run-2");

    for (String id : eval) {
      assertThat(stored(id).getString("eval_run")).as("an operator's tagged call carries its run id").isEqualTo("eval-run-1");
    }
    for (String id : ordinary) {
      assertThat(stored(id).getValue("eval_run")).as("a client key's header is ignored: ordinary traffic").isNull();
    }

    JsonObject costs = operatorGet("/admin/costs?group=key&since=1d");
    assertThat(keysIn(costs)).containsExactly("ide");
    assertThat(costs.getLong("requests")).isEqualTo(2);
    JsonObject withEval = operatorGet("/admin/costs?group=key&since=1d&include=eval");
    assertThat(keysIn(withEval)).containsExactlyInAnyOrder("ide", "ops");
    assertThat(withEval.getLong("requests")).isEqualTo(4);
    assertThat(await(client.getAsOperator("/admin/costs?include=everything", OPS_KEY)).status()).isEqualTo(400);

    List<String> queue = caseIds(operatorGet("/admin/review/cases"));
    assertThat(queue).contains(ordinary.get(1)).doesNotContainAnyElementsOf(eval);
    assertThat(caseIds(operatorGet("/admin/review/cases?include=eval"))).contains(ordinary.get(1), eval.get(1));
  }

  @Test
  void withoutAnAuthSectionALoopbackCallersTagIsHonoured(Vertx vertx) {
    start(vertx, "");
    List<String> eval = callsTagged(null, "eval-demo");
    assertThat(stored(eval.get(0)).getString("eval_run")).isEqualTo("eval-demo");
    JsonObject costs = await(client.get("/admin/costs?group=route&since=1d")).json();
    assertThat(costs.getLong("requests")).isZero();
    assertThat(await(client.get("/admin/costs?group=route&since=1d&include=eval")).json().getLong("requests")).isEqualTo(2);
  }

  /** auth mode none serves every client without a key: only the operator's key (admin: true) makes a tag count. */
  @Test
  void withAuthModeNoneOnlyTheOperatorKeysTagIsHonoured(Vertx vertx) {
    start(vertx, "auth:\n  mode: none\n  keys:\n    - { id: ops, key_sha256: \"" + hex(OPS_KEY) + "\", admin: true }\n");
    MultiMap anyKey = MultiMap.caseInsensitiveMultiMap().add("x-modelmux-eval", "eval-sneaky").add("authorization", "Bearer sk-whatever");
    Reply ignored = await(client.post("/v1/chat/completions", ask("code", "say: hi").encode(), "application/json", anyKey));
    assertThat(ignored.status()).isEqualTo(200);
    assertThat(ignored.headers().get("x-modelmux-eval")).isNull();
    assertThat(stored(ignored.headers().get("x-request-id")).getValue("eval_run")).isNull();
    MultiMap operator = MultiMap.caseInsensitiveMultiMap().add("x-modelmux-eval", "eval-ops").add("authorization", "Bearer " + OPS_KEY);
    Reply honoured = await(client.post("/v1/chat/completions", ask("code", "say: hi").encode(), "application/json", operator));
    assertThat(honoured.headers().get("x-modelmux-eval")).isEqualTo("eval-ops");
    assertThat(stored(honoured.headers().get("x-request-id")).getString("eval_run")).isEqualTo("eval-ops");
  }

  @Test
  void aRunIdThatIsNotAPlainTokenIsRefusedRatherThanLoggedAsOrdinaryTraffic(Vertx vertx) {
    start(vertx, AUTH);
    MultiMap headers = MultiMap.caseInsensitiveMultiMap().add("x-modelmux-eval", "run with spaces").add("authorization", "Bearer " + OPS_KEY);
    Reply reply = await(client.post("/v1/chat/completions", ask("code", "say: hi").encode(), "application/json", headers));
    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.json().getJsonObject("error").getString("message")).contains("x-modelmux-eval");
  }
}
