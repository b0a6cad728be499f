package dev.modelmux.gateway;

import static dev.modelmux.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.modelmux.core.SseEvent;
import dev.modelmux.emulator.Fault;
import dev.modelmux.emulator.Fault.Kind;
import dev.modelmux.testing.GatewayFixture;
import dev.modelmux.testing.TestClient;
import dev.modelmux.testing.TestClient.Reply;
import dev.modelmux.testing.TestClient.StreamReply;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Provider faults in one dialect reach clients of the other in their own words: in-band errors, filters, bad input. */
@ExtendWith(VertxExtension.class)
class CrossDialectFaultsTest {
  private static GatewayFixture fixture;
  private static TestClient client;

  @BeforeAll
  static void start(Vertx vertx) {
    fixture = await(GatewayFixture.start(vertx, GatewayFixture.CROSS_MODELS, GatewayFixture.CROSS, ""));
    client = new TestClient(vertx, fixture.port());
  }

  @AfterAll
  static void stop() {
    await(client.close());
    await(fixture.close());
  }

  @AfterEach
  void clearFaults() {
    fixture.emulator.clearFaults();
  }

  private static String model(String route) {
    return route.equals("via-anthropic") ? "claude-2" : "gpt-4";
  }

  private static JsonObject openAiBody(String route, boolean stream) {
    return new JsonObject().put("model", route).put("stream", stream)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "words: 30")));
  }

  private static JsonObject anthropicBody(String route, boolean stream) {
    return openAiBody(route, stream).put("max_tokens", 200);
  }

  @ParameterizedTest
  @ValueSource(strings = {"via-openai", "via-azure", "via-anthropic"})
  void anInBandProviderErrorEndsAnOpenAiStream(String route) {
    fixture.emulator.setFault(model(route), Fault.of(Kind.STREAM_ERROR).afterTokens(5));
    StreamReply reply = await(client.stream(openAiBody(route, true)));
    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.text()).isNotEmpty();
    assertThat(reply.events()).noneMatch(e -> e.data().equals("[DONE]"));
    JsonObject error = new JsonObject(reply.last().data()).getJsonObject("error");
    assertThat(error.getString("type")).isEqualTo("server_error");
    assertThat(error.getString("message")).isNotBlank();
  }

  @ParameterizedTest
  @ValueSource(strings = {"via-openai", "via-azure", "via-anthropic"})
  void anInBandProviderErrorEndsAnAnthropicStream(String route) {
    fixture.emulator.setFault(model(route), Fault.of(Kind.STREAM_ERROR).afterTokens(5));
    StreamReply reply = await(client.stream("/v1/messages", anthropicBody(route, true)));
    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.events()).extracting(SseEvent::event).contains("content_block_delta").doesNotContain("message_stop");
    SseEvent last = reply.last();
    assertThat(last.event()).isEqualTo("error");
    JsonObject error = new JsonObject(last.data());
    assertThat(error.getString("type")).isEqualTo("error");
    // Anthropic's own in-band error is "overloaded"; an OpenAI server_error mid-stream becomes api_error.
    assertThat(error.getJsonObject("error").getString("type"))
        .isEqualTo(route.equals("via-anthropic") ? "overloaded_error" : "api_error");
  }

  @ParameterizedTest
  @ValueSource(strings = {"via-openai", "via-azure", "via-anthropic"})
  void aStreamCutMidAnswerEndsWithAnErrorInEitherDialect(String route) {
    fixture.emulator.setFault(model(route), Fault.of(Kind.CUT).afterTokens(5));
    StreamReply openAi = await(client.stream(openAiBody(route, true)));
    assertThat(new JsonObject(openAi.last().data()).getJsonObject("error")).isNotNull();
    StreamReply anthropic = await(client.stream("/v1/messages", anthropicBody(route, true)));
    assertThat(anthropic.last().event()).isEqualTo("error");
  }

  @ParameterizedTest
  @ValueSource(strings = {"via-openai", "via-azure", "via-anthropic"})
  void aMissingTerminatorIsFinalisedInEitherDialect(String route) {
    fixture.emulator.setFault(model(route), Fault.of(Kind.MISSING_DONE));
    StreamReply openAi = await(client.stream(openAiBody(route, true)));
    assertThat(openAi.last().data()).isEqualTo("[DONE]");
    StreamReply anthropic = await(client.stream("/v1/messages", anthropicBody(route, true)));
    assertThat(anthropic.last().event()).isEqualTo("message_stop");
  }

  @ParameterizedTest
  @ValueSource(strings = {"via-openai", "via-azure", "via-anthropic"})
  void aPromptContentFilterIsA400InEitherDialect(String route) {
    fixture.emulator.setFault(model(route), Fault.of(Kind.CONTENT_FILTER));
    Reply openAi = await(client.postJson("/v1/chat/completions", openAiBody(route, false)));
    assertThat(openAi.status()).isEqualTo(400);
    assertThat(openAi.json().getJsonObject("error").getString("type")).isEqualTo("invalid_request_error");
    if (!route.equals("via-anthropic")) {
      assertThat(openAi.json().getJsonObject("error").getString("code")).isEqualTo("content_filter");
    }
    Reply anthropic = await(client.postJson("/v1/messages", anthropicBody(route, false)));
    assertThat(anthropic.status()).isEqualTo(400);
    assertThat(anthropic.json().getJsonObject("error").getString("type")).isEqualTo("invalid_request_error");
  }

  @Test
  void anthropicBadInputGetsAnthropicErrors() {
    JsonObject noMaxTokens = new JsonObject().put("model", "via-anthropic")
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hi")));
    Reply missing = await(client.postJson("/v1/messages", noMaxTokens));
    assertThat(missing.status()).isEqualTo(400);
    assertThat(missing.json()).isEqualTo(new JsonObject().put("type", "error").put("error",
        new JsonObject().put("type", "invalid_request_error").put("message", "max_tokens: Field required")));

    Reply malformed = await(client.post("/v1/messages", "{\"model\":", "application/json"));
    assertThat(malformed.status()).isEqualTo(400);
    assertThat(malformed.json().getJsonObject("error").getString("type")).isEqualTo("invalid_request_error");

    Reply role = await(client.postJson("/v1/messages", noMaxTokens.copy().put("max_tokens", 10)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "system").put("content", "hi")))));
    assertThat(role.json().getJsonObject("error").getString("message")).startsWith("messages.0.role");

    Reply unknown = await(client.postJson("/v1/messages", noMaxTokens.copy().put("max_tokens", 10).put("model", "claude-9")));
    assertThat(unknown.status()).isEqualTo(404);
    assertThat(unknown.json().getJsonObject("error").getString("type")).isEqualTo("not_found_error");

    Reply path = await(client.post("/v1/messages/nope", "{}", "application/json"));
    assertThat(path.status()).isEqualTo(404);
    assertThat(path.json().getString("type")).isEqualTo("error");
  }

  @Test
  void anthropicSystemBlocksAndMultiTurnReachAnOpenAiProvider() {
    JsonObject body = new JsonObject().put("model", "via-openai").put("max_tokens", 100)
        .put("system", new JsonArray().add(new JsonObject().put("type", "text").put("text", "Be brief.")))
        .put("messages", new JsonArray()
            .add(new JsonObject().put("role", "user").put("content", "first"))
            .add(new JsonObject().put("role", "assistant").put("content", "ok"))
            .add(new JsonObject().put("role", "user").put("content", new JsonArray()
                .add(new JsonObject().put("type", "text").put("text", "say: multi turn works")))));
    Reply reply = await(client.postJson("/v1/messages", body));
    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.json().getJsonArray("content").getJsonObject(0).getString("text")).isEqualTo("multi turn works");
  }

  @Test
  void aRequestAnthropicCannotExpressIsA400NamingTheField() {
    Reply reply = await(client.postJson("/v1/chat/completions", openAiBody("via-anthropic", false).put("n", 3)));
    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.json().getJsonObject("error").getString("param")).isEqualTo("n");
    List<String> fine = List.of("via-openai", "via-azure");
    for (String route : fine) {
      assertThat(await(client.postJson("/v1/chat/completions", openAiBody(route, false).put("n", 1))).status()).isEqualTo(200);
    }
  }
}
