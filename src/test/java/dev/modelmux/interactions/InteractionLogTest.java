package dev.modelmux.interactions;

import static dev.modelmux.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.modelmux.emulator.Fault;
import dev.modelmux.testing.GatewayFixture;
import dev.modelmux.testing.TestClient;
import dev.modelmux.testing.TestClient.Reply;
import dev.modelmux.testing.TestClient.StreamReply;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import org.assertj.core.data.Offset;
import org.assertj.core.data.Percentage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The interaction log end to end, on its embedded store: what a request with a fallback leaves behind (the chain, the
 * rendered prompt, the output, the cost), feedback in both dialects, and costs from the log.
 */
@ExtendWith(VertxExtension.class)
class InteractionLogTest {
  static final String DEPLOYMENTS = GatewayFixture.CROSS.substring(0, GatewayFixture.CROSS.indexOf("routes:"))
      .replace("limits: { tpm: 1000000, rpm: 10000 }", "limits: { tpm: 1000000, rpm: 10000 }\n    price: { input_per_mtok: 10.0, output_per_mtok: 30.0 }")
      + """
      routes:
        - name: code
          tiers: [[oa-gpt4], [an-claude]]
        - name: strict
          guard: { secrets: block }
          tiers: [[oa-gpt4]]
      """;

  @TempDir
  Path dir;
  private GatewayFixture fixture;
  private TestClient client;

  @BeforeEach
  void start(Vertx vertx) throws IOException {
    Files.createDirectories(dir.resolve("prompts/explain"));
    Files.writeString(dir.resolve("prompts/explain/task.yaml"), "route: code\nvariables: { code: { required: true } }\n");
    Files.createDirectories(dir.resolve("prompts/redacting"));
    Files.writeString(dir.resolve("prompts/redacting/task.yaml"), "route: code\nvariables: { code: { required: true } }\nguard: { secrets: redact }\n");
    Files.writeString(dir.resolve("prompts/redacting/default.yaml"), "match: default\nmessages:\n  - { role: user, content: \"say: {{code}}\" }\n");
    Files.writeString(dir.resolve("prompts/explain/default.yaml"),
        "match: default\nmessages:\n  - { role: user, content: \"say: Sure! <answer>explained {{code}}</answer> Bye!\" }\n"
            + "post:\n  - between: { start: \"<answer>\", end: \"</answer>\" }\n");
    String extra = "interactions: { store: sqlite, path: " + dir.resolve("log.db") + ", flush_ms: 10 }\n"
        + "prompts: { dir: " + dir.resolve("prompts") + " }\n" + "costs: { self_hosted_per_day: 340, replicas: 2 }\n";
    fixture = await(GatewayFixture.start(vertx, GatewayFixture.CROSS_MODELS, DEPLOYMENTS, extra));
    client = new TestClient(vertx, fixture.port());
  }

  @AfterEach
  void stop() {
    await(client.close());
    await(fixture.close());
  }

  private InteractionLog log() {
    return fixture.gateway.interactions();
  }

  private JsonObject stored(String requestId) {
    await(log().stored(requestId));
    return await(log().store().find(requestId));
  }

  private static JsonObject ask(String text) {
    return new JsonObject().put("model", "code").put("stream", true)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", text)));
  }

  @Test
  void aRequestWithAFallbackIsRecordedWithItsChainPromptOutputAndCost() {
    fixture.emulator.setFault("gpt-4", Fault.status(503));
    StreamReply reply = await(client.stream(ask("say: the loop adds them up")));
    assertThat(reply.text()).isEqualTo("the loop adds them up");

    JsonObject row = stored(reply.headers().get("x-request-id"));
    assertThat(row.getString("dialect")).isEqualTo("openai");
    assertThat(row.getBoolean("stream")).isTrue();
    assertThat(row.getString("route")).isEqualTo("code");
    assertThat(row.getString("deployment")).isEqualTo("an-claude");
    JsonArray chain = row.getJsonArray("attempts");
    assertThat(chain.getJsonObject(0).getString("deployment")).isEqualTo("oa-gpt4");
    assertThat(chain.getJsonObject(0).getString("outcome")).isNotEqualTo("ok");
    assertThat(chain.getJsonObject(chain.size() - 1)).isEqualTo(new JsonObject().put("deployment", "an-claude").put("outcome", "ok"));
    assertThat(row.getString("output")).isEqualTo("the loop adds them up");
    assertThat(row.getValue("output_raw")).as("a plain request has no post-processing").isNull();
    assertThat(row.getString("finish_reason")).isEqualTo("stop");
    assertThat(row.getJsonObject("request_body").getJsonArray("messages").getJsonObject(0).getString("content"))
        .isEqualTo("say: the loop adds them up");
    long in = row.getLong("prompt_tokens");
    long out = row.getLong("completion_tokens");
    assertThat(in).isPositive();
    assertThat(row.getDouble("cost_usd")).isCloseTo((in * 10.0 + out * 30.0) / 1_000_000, Offset.offset(1e-12));
    assertThat(row.getLong("total_ms")).isGreaterThanOrEqualTo(row.getLong("ttft_ms"));
  }

  @Test
  void aTaskCallIsRecordedWithItsVariantAndRenderedPrompt() {
    Reply reply = await(client.postJson("/v1/chat/completions",
        new JsonObject().put("model", "task:explain").put("variables", new JsonObject().put("code", "x++"))));
    assertThat(reply.status()).isEqualTo(200);
    JsonObject row = stored(reply.headers().get("x-request-id"));
    assertThat(row.getString("task")).isEqualTo("explain");
    assertThat(row.getString("prompt")).isEqualTo(reply.headers().get("x-modelmux-prompt"));
    assertThat(row.getJsonObject("request_body").getJsonArray("messages").getJsonObject(0).getString("content"))
        .isEqualTo("say: Sure! <answer>explained x++</answer> Bye!");
    assertThat(row.getString("output")).isEqualTo("explained x++");
    assertThat(row.getString("output_raw")).as("the model's text before post-processing").isEqualTo("Sure! <answer>explained x++</answer> Bye!");
  }

  @Test
  void aSecretTheGuardFoundIsNeverRecorded() {
    String secret = "postgres://app:" + "Sup3rS3cretPw" + "@db/prod";
    Reply blocked = await(client.postJson("/v1/chat/completions", new JsonObject().put("model", "strict")
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "connect to " + secret)))));
    assertThat(blocked.status()).isEqualTo(400);
    JsonObject refused = stored(blocked.headers().get("x-request-id"));
    assertThat(refused.getString("outcome")).isEqualTo("secret_refused");
    assertThat(refused.getJsonArray("guard_findings")).containsExactly("password-in-url");
    assertThat(refused.encode()).doesNotContain("Sup3rS3cretPw").contains("[REDACTED:password-in-url]");

    fixture.emulator.setFault("gpt-4", Fault.status(503));
    fixture.emulator.setFault("claude-2", Fault.status(503));
    Reply failed = await(client.postJson("/v1/chat/completions", new JsonObject().put("model", "task:redacting")
        .put("variables", new JsonObject().put("code", "url = " + secret))));
    assertThat(failed.status()).isGreaterThanOrEqualTo(500);
    JsonObject row = stored(failed.headers().get("x-request-id"));
    assertThat(row.encode()).doesNotContain("Sup3rS3cretPw");
    assertThat(row.getJsonObject("variables").getString("code")).contains("[REDACTED:password-in-url]");
  }

  @Test
  void feedbackIsTakenInTheCallersDialect() {
    StreamReply answered = await(client.stream(ask("say: fine")));
    String id = answered.headers().get("x-request-id");

    Reply up = feedback(new JsonObject().put("request_id", id).put("rating", "up").put("user", "ana"), false);
    assertThat(up.status()).isEqualTo(201);
    Reply changed = feedback(new JsonObject().put("request_id", id).put("rating", "down").put("hallucination", true).put("user", "ana")
        .put("spans", new JsonArray().add(new JsonObject().put("start", 0).put("end", 4))).put("correction", "better"), true);
    assertThat(changed.status()).isEqualTo(201);
    JsonArray votes = stored(id).getJsonArray("feedback");
    assertThat(votes).hasSize(1);
    assertThat(votes.getJsonObject(0).getString("rating")).isEqualTo("down");
    assertThat(votes.getJsonObject(0).getBoolean("hallucination")).isTrue();

    Reply unknownOpenAi = feedback(new JsonObject().put("request_id", "req_nope").put("rating", "up"), false);
    assertThat(unknownOpenAi.status()).isEqualTo(404);
    assertThat(unknownOpenAi.json().getJsonObject("error").getString("message")).contains("req_nope");
    assertThat(unknownOpenAi.json().getJsonObject("error").getString("code")).isEqualTo("not_found");
    Reply unknownAnthropic = feedback(new JsonObject().put("request_id", "req_nope").put("rating", "up"), true);
    assertThat(unknownAnthropic.status()).isEqualTo(404);
    assertThat(unknownAnthropic.json().getString("type")).isEqualTo("error");
    assertThat(unknownAnthropic.json().getJsonObject("error").getString("type")).isEqualTo("not_found_error");

    Reply badRating = feedback(new JsonObject().put("request_id", id).put("rating", "meh"), false);
    assertThat(badRating.status()).isEqualTo(400);
    assertThat(badRating.json().getJsonObject("error").getString("message")).contains("'rating'");
    Reply badSpan = feedback(new JsonObject().put("request_id", id).put("spans", new JsonArray().add(new JsonObject().put("start", 5))), true);
    assertThat(badSpan.status()).isEqualTo(400);
    assertThat(badSpan.json().getJsonObject("error").getString("type")).isEqualTo("invalid_request_error");
    Reply notJson = await(client.post("/v1/feedback", "{nope", "application/json"));
    assertThat(notJson.status()).isEqualTo(400);
  }

  @Test
  void costsComeFromTheLog() {
    for (String say : new String[] {"say: one", "say: two two"}) {
      await(log().stored(await(client.stream(ask(say))).headers().get("x-request-id")));
    }
    Reply reply = await(client.get("/admin/costs?group=deployment&since=1d"));
    JsonObject costs = reply.json();
    assertThat(costs.getString("group")).isEqualTo("deployment");
    JsonArray rows = costs.getJsonArray("rows");
    assertThat(rows).hasSize(1);
    JsonObject gpt4 = rows.getJsonObject(0);
    long in = gpt4.getLong("prompt_tokens");
    long out = gpt4.getLong("completion_tokens");
    BigDecimal usd = CostRows.usd((in * 10.0 + out * 30.0) / 1_000_000);
    double expected = usd.doubleValue();
    assertThat(reply.body().toString()).contains("\"total_usd\":" + usd + ",\"requests\":2,\"rows\":[{\"deployment\":\"oa-gpt4\",\"requests\":2,"
        + "\"prompt_tokens\":" + in + ",\"completion_tokens\":" + out + ",\"cost_usd\":" + usd + "}]");
    JsonObject buildVsBuy = costs.getJsonObject("build_vs_buy");
    assertThat(buildVsBuy.getDouble("self_hosted_usd_per_day")).isEqualTo(680.0);
    assertThat(buildVsBuy.getDouble("api_usd_per_day")).as("a one-day window").isCloseTo(expected, Percentage.withPercentage(0.01));
    assertThat(buildVsBuy.getDouble("break_even_requests_per_day")).isCloseTo(680.0 / (expected / 2), Percentage.withPercentage(0.01));
    assertThat(buildVsBuy.getString("cheaper")).isEqualTo("api");
    assertThat(await(client.get("/admin/costs?group=colour")).status()).isEqualTo(400);
  }

  private Reply feedback(JsonObject body, boolean anthropic) {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    if (anthropic) {
      headers.add("anthropic-version", "2023-06-01");
    }
    return await(client.post("/v1/feedback", body.encode(), "application/json", headers));
  }
}
