package dev.modelmux.gateway;

import static dev.modelmux.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.modelmux.testing.GatewayFixture;
import dev.modelmux.testing.TestClient;
import dev.modelmux.testing.TestClient.Reply;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Every kind of bad input gets OpenAI's error body with the right status, and the next request is served. */
@ExtendWith(VertxExtension.class)
class BadInputTest {
  private static GatewayFixture fixture;
  private static TestClient client;
  private static final String PATH = "/v1/chat/completions";

  @BeforeAll
  static void start(Vertx vertx) {
    fixture = await(GatewayFixture.start(vertx));
    client = new TestClient(vertx, fixture.port());
  }

  @AfterAll
  static void stop() {
    await(client.close());
    await(fixture.close());
  }

  @AfterEach
  void theNextRequestIsServed() {
    Reply ok = await(client.post(PATH, "{\"model\":\"solo\",\"messages\":[{\"role\":\"user\",\"content\":\"say: fine\"}]}", "application/json"));
    assertThat(ok.status()).isEqualTo(200);
  }

  private static JsonObject error(Reply reply, int status) {
    assertThat(reply.status()).isEqualTo(status);
    assertThat(reply.headers().get("content-type")).startsWith("application/json");
    assertThat(reply.headers().get("x-request-id")).isNotBlank();
    assertThat(reply.headers().get("x-modelmux-deployment")).isEqualTo("none");
    JsonObject error = reply.json().getJsonObject("error");
    assertThat(error.fieldNames()).containsExactlyInAnyOrder("message", "type", "param", "code");
    assertThat(reply.body().toString()).doesNotContain("Exception").doesNotContain("\tat ");
    return error;
  }

  @Test
  void malformedJson() {
    JsonObject error = error(await(client.post(PATH, "{\"model\": \"solo\", \"messages\": [", "application/json")), 400);
    assertThat(error.getString("type")).isEqualTo("invalid_request_error");
    assertThat(error.getString("message")).contains("could not parse the JSON body");
  }

  @Test
  void aJsonArrayInsteadOfAnObject() {
    error(await(client.post(PATH, "[1,2,3]", "application/json")), 400);
  }

  @Test
  void missingMessages() {
    JsonObject error = error(await(client.post(PATH, "{\"model\":\"solo\"}", "application/json")), 400);
    assertThat(error.getString("param")).isEqualTo("messages");
    assertThat(error.getString("code")).isEqualTo("missing_required_parameter");
  }

  @Test
  void missingModel() {
    JsonObject error = error(await(client.post(PATH, "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", "application/json")), 400);
    assertThat(error.getString("param")).isEqualTo("model");
  }

  @Test
  void wrongTypedFields() {
    JsonObject messages = error(await(client.post(PATH, "{\"model\":\"solo\",\"messages\":\"hello\"}", "application/json")), 400);
    assertThat(messages.getString("param")).isEqualTo("messages");
    assertThat(messages.getString("code")).isEqualTo("invalid_type");

    JsonObject stream = error(await(client.post(PATH,
        "{\"model\":\"solo\",\"stream\":\"yes\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", "application/json")), 400);
    assertThat(stream.getString("param")).isEqualTo("stream");

    JsonObject content = error(await(client.post(PATH,
        "{\"model\":\"solo\",\"messages\":[{\"role\":\"user\",\"content\":42}]}", "application/json")), 400);
    assertThat(content.getString("param")).isEqualTo("messages[0].content");

    JsonObject role = error(await(client.post(PATH,
        "{\"model\":\"solo\",\"messages\":[{\"role\":\"wizard\",\"content\":\"x\"}]}", "application/json")), 400);
    assertThat(role.getString("param")).isEqualTo("messages[0].role");

    JsonObject maxTokens = error(await(client.post(PATH,
        "{\"model\":\"solo\",\"max_tokens\":-5,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", "application/json")), 400);
    assertThat(maxTokens.getString("param")).isEqualTo("max_tokens");

    JsonObject temperature = error(await(client.post(PATH,
        "{\"model\":\"solo\",\"temperature\":7,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", "application/json")), 400);
    assertThat(temperature.getString("param")).isEqualTo("temperature");
  }

  @Test
  void streamOptionsWithoutStream() {
    JsonObject error = error(await(client.post(PATH,
        "{\"model\":\"solo\",\"stream_options\":{\"include_usage\":true},\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}",
        "application/json")), 400);
    assertThat(error.getString("param")).isEqualTo("stream_options");
  }

  @Test
  void unknownModel() {
    JsonObject error = error(await(client.post(PATH,
        "{\"model\":\"gpt-9\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", "application/json")), 404);
    assertThat(error.getString("code")).isEqualTo("model_not_found");
    assertThat(error.getString("message")).contains("gpt-9");
  }

  @Test
  void bodyOverTheLimit() {
    String big = "{\"model\":\"solo\",\"messages\":[{\"role\":\"user\",\"content\":\"" + "x".repeat(9 * 1024 * 1024) + "\"}]}";
    JsonObject error = error(await(client.post(PATH, big, "application/json")), 413);
    assertThat(error.getString("message")).contains("8388608");
  }

  @Test
  void wrongContentType() {
    JsonObject error = error(await(client.post(PATH, "model=solo", "application/x-www-form-urlencoded")), 415);
    assertThat(error.getString("message")).contains("application/json");
  }

  @Test
  void unknownPathAndMethod() {
    JsonObject path = error(await(client.post("/v1/nothing-here", "{}", "application/json")), 404);
    assertThat(path.getString("message")).contains("/v1/nothing-here");
    error(await(client.get(PATH)), 405);
  }

  @Test
  void theClientsRequestIdIsEchoedAndAFreshOneMadeOtherwise() {
    Reply mine = await(client.post(PATH, "{", "application/json", MultiMap.caseInsensitiveMultiMap().add("x-request-id", "trace-42")));
    assertThat(mine.headers().get("x-request-id")).isEqualTo("trace-42");
    Reply fresh1 = await(client.post(PATH, "{", "application/json"));
    Reply fresh2 = await(client.post(PATH, "{", "application/json"));
    assertThat(fresh1.headers().get("x-request-id")).isNotBlank().isNotEqualTo(fresh2.headers().get("x-request-id"));
  }
}
