package dev.modelmux.gateway;

import static dev.modelmux.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.modelmux.server.ModelMux;
import dev.modelmux.testing.GatewayFixture;
import dev.modelmux.testing.TestClient;
import dev.modelmux.testing.TestClient.StreamReply;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A provider that sends a whole stream in one write: the gateway writes the events of one network chunk in one go,
 * and must still commit at the first content, keep their order, and give the client everything before an in-band
 * error that a later event of the same chunk causes.
 */
@ExtendWith(VertxExtension.class)
class OneWriteStreamTest {
  private static final String YAML = """
      server: { host: 127.0.0.1, port: 0, instances: 1 }
      deployments:
        - { id: fake, provider: openai, base_url: "${FAKE}/v1", api_key_env: KEY_A, model: real-model,
            context_window: 8192, limits: { tpm: 1000000, rpm: 10000 } }
      routes:
        - { name: gpt-4, tiers: [[fake]] }
      """;

  private static final String ROLE = chunk("{\"role\":\"assistant\",\"content\":\"\"}", null);
  private static final String HELLO = chunk("{\"content\":\"Hello\"}", null);
  private static final String WORLD = chunk("{\"content\":\" world, \\\"usage\\\": none\"}", null);
  private static final String STOP = chunk("{}", "\"stop\"");
  private static final String USAGE = "data: {\"id\":\"c\",\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":3,"
      + "\"total_tokens\":8}}\n\n";

  private HttpServer provider;
  private ModelMux gateway;
  private TestClient client;

  @BeforeEach
  void start(Vertx vertx) {
    provider = await(vertx.createHttpServer().requestHandler(OneWriteStreamTest::answer).listen(0, "127.0.0.1"));
    gateway = await(ModelMux.start(vertx, ModelMux.configLoader(GatewayFixture.KEYS::get)
        .parse(YAML.replace("${FAKE}", "http://127.0.0.1:" + provider.actualPort()))));
    client = new TestClient(vertx, gateway.port());
  }

  @AfterEach
  void stop() {
    await(client.close());
    await(gateway.close());
    await(provider.close());
  }

  private static String chunk(String delta, String finish) {
    return "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":" + delta
        + ",\"finish_reason\":" + finish + "}],\"usage\":null}\n\n";
  }

  /** The user's text names the stream's tail: "healthy", "malformed" or "error", all of it in one write. */
  private static void answer(HttpServerRequest request) {
    request.body().onSuccess(raw -> {
      String text = new JsonObject(raw).getJsonArray("messages").getJsonObject(0).getString("content");
      String tail = switch (text) {
        case "malformed" -> "data: {\"choices\":[{\"delta\":\n\n";
        case "error" -> "data: {\"error\":{\"message\":\"overloaded\",\"type\":\"server_error\"}}\n\n";
        default -> STOP + USAGE + "data: [DONE]\n\n";
      };
      request.response().setChunked(true).putHeader("content-type", "text/event-stream")
          .end(ROLE + HELLO + "\r\n" + WORLD + tail);
    });
  }

  private static JsonObject chat(String text, boolean includeUsage) {
    JsonObject body = new JsonObject().put("model", "gpt-4").put("stream", true)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", text)));
    return includeUsage ? body.put("stream_options", new JsonObject().put("include_usage", true)) : body;
  }

  @Test
  void aWholeStreamInOneWriteIsRelayedInOrderAndComplete() {
    StreamReply reply = await(client.stream(chat("healthy", false)));
    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.text()).isEqualTo("Hello world, \"usage\": none");
    assertThat(reply.last().data()).isEqualTo("[DONE]");
    assertThat(reply.events()).noneMatch(e -> e.data().contains("\"usage\":"));
    assertThat(reply.raw().toString()).isEqualTo((ROLE + HELLO + WORLD + STOP).replace(",\"usage\":null", "") + "data: [DONE]\n\n");

    StreamReply withUsage = await(client.stream(chat("healthy", true)));
    assertThat(withUsage.raw().toString()).isEqualTo(ROLE + HELLO + WORLD + STOP + USAGE + "data: [DONE]\n\n");
  }

  @Test
  void whatCameBeforeAMalformedEventOfTheSameChunkReachesTheClientBeforeTheError() {
    for (String tail : new String[] {"malformed", "error"}) {
      StreamReply reply = await(client.stream(chat(tail, false)));
      assertThat(reply.status()).isEqualTo(200);
      assertThat(reply.text()).as(tail).isEqualTo("Hello world, \"usage\": none");
      assertThat(reply.events()).as(tail).noneMatch(e -> e.data().equals("[DONE]"));
      assertThat(new JsonObject(reply.last().data()).getJsonObject("error").getString("message")).as(tail).isNotBlank();
    }
  }
}
