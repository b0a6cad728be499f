package dev.modelmux.gateway;

import static dev.modelmux.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.modelmux.testing.GatewayFixture;
import dev.modelmux.testing.TestClient;
import dev.modelmux.testing.TestClient.Reply;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Wrongly shaped requests that reached a translator and got a 500 (or a message that named no fault): each is a 400
 * in the client's dialect naming the field, and no provider is called.
 */
@ExtendWith(VertxExtension.class)
class DeepValidationTest {
  private static final String OPENAI = "/v1/chat/completions";
  private static final String ANTHROPIC = "/v1/messages";
  private static final String USER_HI = "{\"role\":\"user\",\"content\":\"hi\"}";
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

  private static long providerRequests() {
    return fixture.emulator.stats("gpt-4").requests() + fixture.emulator.stats("claude-2").requests();
  }

  /** An OpenAI request to {@code route}: its error body, after checking it is OpenAI's 400 naming {@code param}. */
  private static JsonObject openAiRefuses(String route, String members, String param) {
    long before = providerRequests();
    Reply reply = await(client.post(OPENAI, "{\"model\":\"" + route + "\"," + members + "}", "application/json"));
    assertThat(reply.status()).as(reply.body().toString()).isEqualTo(400);
    JsonObject error = reply.json().getJsonObject("error");
    assertThat(error.fieldNames()).containsExactlyInAnyOrder("message", "type", "param", "code");
    assertThat(error.getString("type")).isEqualTo("invalid_request_error");
    assertThat(error.getString("param")).isEqualTo(param);
    assertThat(error.getString("message")).contains(param);
    assertThat(providerRequests()).isEqualTo(before);
    return error;
  }

  /** An Anthropic request to {@code route}: its message, after checking it is Anthropic's 400 starting with {@code path}. */
  private static String anthropicRefuses(String route, String members, String path) {
    long before = providerRequests();
    Reply reply = await(client.post(ANTHROPIC, "{\"model\":\"" + route + "\"," + members + "}", "application/json"));
    assertThat(reply.status()).as(reply.body().toString()).isEqualTo(400);
    assertThat(reply.json().getString("type")).isEqualTo("error");
    JsonObject error = reply.json().getJsonObject("error");
    assertThat(error.getString("type")).isEqualTo("invalid_request_error");
    assertThat(error.getString("message")).startsWith(path + ": ");
    assertThat(providerRequests()).isEqualTo(before);
    return error.getString("message");
  }

  @Test
  void aContentArrayOfStringsToAClaudeRouteIsA400() {
    for (String route : new String[] {"via-anthropic", "via-openai"}) {
      JsonObject error = openAiRefuses(route, "\"messages\":[{\"role\":\"user\",\"content\":[\"hi\"]}]", "messages[0].content[0]");
      assertThat(error.getString("message")).contains("expected an object, but got a string");
      assertThat(error.getString("code")).isEqualTo("invalid_type");
    }
  }

  @Test
  void openAiContentPartsThatAreNotWellFormed() {
    String route = "via-anthropic";
    openAiRefuses(route, "\"messages\":[{\"role\":\"user\",\"content\":[null]}]", "messages[0].content[0]");
    openAiRefuses(route, "\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"hi\"}]}]", "messages[0].content[0].type");
    openAiRefuses(route, "\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\"}]}]", "messages[0].content[0].text");
    openAiRefuses(route, "\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":5}]}]", "messages[0].content[0].text");
    openAiRefuses(route, "\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":\"x\"}]}]",
        "messages[0].content[0].image_url");
    openAiRefuses(route, "\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":{}}]}]",
        "messages[0].content[0].image_url.url");
    JsonObject unknown = openAiRefuses(route, "\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"video\"}]}]",
        "messages[0].content[0].type");
    assertThat(unknown.getString("message")).contains("'video'").contains("'image_url'");
  }

  @Test
  void openAiToolCallsAndToolMessagesThatAreNotWellFormed() {
    String route = "via-anthropic";
    String call = "\"messages\":[" + USER_HI + ",{\"role\":\"assistant\",\"content\":null,\"tool_calls\":%s}]";
    openAiRefuses(route, call.formatted("[\"call_1\"]"), "messages[1].tool_calls[0]");
    openAiRefuses(route, call.formatted("[{\"id\":\"call_1\",\"type\":\"function\"}]"), "messages[1].tool_calls[0].function");
    openAiRefuses(route, call.formatted("[{\"id\":\"call_1\",\"type\":\"function\",\"function\":null}]"),
        "messages[1].tool_calls[0].function");
    openAiRefuses(route, call.formatted("[{\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":{}}}]"),
        "messages[1].tool_calls[0].function.arguments");
    openAiRefuses(route, "\"messages\":[" + USER_HI + ",{\"role\":\"tool\",\"content\":\"found\"}]", "messages[1].tool_call_id");
    openAiRefuses(route, "\"messages\":[" + USER_HI + "],\"tools\":[null]", "tools[0]");
    openAiRefuses(route, "\"messages\":[" + USER_HI + "],\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\",\"parameters\":\"\"}}]",
        "tools[0].function.parameters");
    openAiRefuses(route, "\"messages\":[" + USER_HI + "],\"tool_choice\":\"sometimes\"", "tool_choice");
    openAiRefuses(route, "\"messages\":[" + USER_HI + "],\"tool_choice\":{\"type\":\"function\",\"function\":{}}", "tool_choice.function.name");
  }

  @Test
  void anthropicBlocksThatAreNotWellFormed() {
    String route = "via-openai";
    String turn = "\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":[%s]}]";
    anthropicRefuses(route, turn.formatted("\"hi\""), "messages.0.content.0");
    anthropicRefuses(route, turn.formatted("{\"text\":\"hi\"}"), "messages.0.content.0.type");
    assertThat(anthropicRefuses(route, turn.formatted("{\"type\":\"text\",\"text\":\"a\"},{\"type\":\"text\"}"), "messages.0.content.1.text"))
        .isEqualTo("messages.0.content.1.text: Field required");
    anthropicRefuses(route, turn.formatted("{\"type\":\"image\",\"source\":\"x\"}"), "messages.0.content.0.source");
    anthropicRefuses(route, turn.formatted("{\"type\":\"image\",\"source\":{\"type\":\"base64\",\"data\":\"AA\"}}"),
        "messages.0.content.0.source.media_type");
    anthropicRefuses(route, turn.formatted("{\"type\":\"tool_result\",\"content\":\"x\"}"), "messages.0.content.0.tool_use_id");
    anthropicRefuses(route, "\"max_tokens\":10,\"messages\":[{\"role\":\"assistant\",\"content\":[{\"type\":\"tool_use\","
        + "\"id\":\"t1\",\"name\":\"f\",\"input\":null}]}]", "messages.0.content.0.input");
    String hi = "\"max_tokens\":10,\"messages\":[" + USER_HI + "]";
    anthropicRefuses(route, hi + ",\"tools\":[null]", "tools.0");
    anthropicRefuses(route, hi + ",\"tools\":[{\"name\":\"f\",\"input_schema\":\"\"}]", "tools.0.input_schema");
    anthropicRefuses(route, hi + ",\"tool_choice\":{\"type\":null}", "tool_choice.type");
    anthropicRefuses(route, hi + ",\"tool_choice\":{\"type\":\"tool\"}", "tool_choice.name");
    anthropicRefuses(route, hi + ",\"system\":[{\"type\":\"text\"}]", "system.0.text");
    anthropicRefuses(route, hi + ",\"metadata\":{\"user_id\":7}", "metadata.user_id");
  }

  @Test
  void anEmptyModelSaysItIsEmpty() {
    JsonObject error = openAiRefuses("", "\"messages\":[" + USER_HI + "]", "model");
    assertThat(error.getString("message")).contains("empty string").doesNotContain("expected a string, but got a string");
    assertThat(error.getString("code")).isEqualTo("empty_string");
    assertThat(anthropicRefuses("", "\"max_tokens\":10,\"messages\":[" + USER_HI + "]", "model"))
        .isEqualTo("model: String should have at least 1 character");
  }

  @Test
  void aMaxTokensPastAnIntSaysItIsOutOfRange() {
    JsonObject error = openAiRefuses("via-openai", "\"max_tokens\":2147483648,\"messages\":[" + USER_HI + "]", "max_tokens");
    assertThat(error.getString("message"))
        .isEqualTo("Invalid 'max_tokens': integer above maximum value. Expected a value <= 2147483647, but got 2147483648 instead.");
    assertThat(error.getString("code")).isEqualTo("integer_above_max_value");
    assertThat(openAiRefuses("via-openai", "\"max_completion_tokens\":1e400,\"messages\":[" + USER_HI + "]", "max_completion_tokens")
        .getString("code")).isEqualTo("invalid_type");
    assertThat(anthropicRefuses("via-openai", "\"max_tokens\":2147483648,\"messages\":[" + USER_HI + "]", "max_tokens"))
        .isEqualTo("max_tokens: Input should be less than or equal to 2147483647, not 2147483648");
    assertThat(anthropicRefuses("via-openai", "\"max_tokens\":99999999999999999999999,\"messages\":[" + USER_HI + "]", "max_tokens"))
        .contains("less than or equal to 2147483647");
  }

  @Test
  void typedFieldsOutOfRangeOrOfTheWrongType() {
    String hi = "\"messages\":[" + USER_HI + "]";
    openAiRefuses("via-anthropic", hi + ",\"temperature\":1e400", "temperature");
    openAiRefuses("via-anthropic", hi + ",\"top_p\":\"high\"", "top_p");
    openAiRefuses("via-anthropic", hi + ",\"n\":0", "n");
    openAiRefuses("via-anthropic", hi + ",\"stop\":[\"a\",1]", "stop[1]");
    openAiRefuses("via-anthropic", hi + ",\"stream\":true,\"stream_options\":{\"include_usage\":\"yes\"}", "stream_options.include_usage");
    openAiRefuses("via-anthropic", hi + ",\"metadata\":{\"k\":1}", "metadata.k");
    openAiRefuses("via-anthropic", hi + ",\"user\":42", "user");
    String anthropic = "\"max_tokens\":10," + hi;
    anthropicRefuses("via-openai", anthropic + ",\"temperature\":1.5", "temperature");
    anthropicRefuses("via-openai", anthropic + ",\"top_k\":-1", "top_k");
    anthropicRefuses("via-openai", anthropic + ",\"stop_sequences\":[null]", "stop_sequences.0");
    anthropicRefuses("via-openai", anthropic + ",\"stream\":\"yes\"", "stream");
    anthropicRefuses("via-openai", anthropic + ",\"system\":7", "system");
  }
}
