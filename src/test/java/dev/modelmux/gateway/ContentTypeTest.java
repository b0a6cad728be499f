package dev.modelmux.gateway;

import static dev.modelmux.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.modelmux.testing.GatewayFixture;
import dev.modelmux.testing.TestClient;
import dev.modelmux.testing.TestClient.Reply;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Only a JSON body is read, on both endpoints: anything else, a missing Content-Type included, is a 415 in the client's dialect. */
@ExtendWith(VertxExtension.class)
class ContentTypeTest {
  private static final String BODY = "{\"model\":\"solo\",\"max_tokens\":20,\"messages\":[{\"role\":\"user\",\"content\":\"say: fine\"}]}";
  private static final List<String> PATHS = List.of("/v1/chat/completions", "/v1/messages");
  private static GatewayFixture fixture;
  private static TestClient client;

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

  static List<Arguments> refused() {
    List<Arguments> cases = new ArrayList<>();
    for (String path : PATHS) {
      for (String type : new String[] {null, "application/jsonx", "text/plain", "application/x-www-form-urlencoded", "json"}) {
        cases.add(Arguments.of(path, type));
      }
    }
    return cases;
  }

  static List<Arguments> accepted() {
    List<Arguments> cases = new ArrayList<>();
    for (String path : PATHS) {
      for (String type : new String[] {"application/json", "application/json; charset=utf-8", "Application/JSON;charset=UTF-8"}) {
        cases.add(Arguments.of(path, type));
      }
    }
    return cases;
  }

  @ParameterizedTest(name = "{0} with {1}")
  @MethodSource("refused")
  void isRefusedWith415(String path, String contentType) {
    Reply reply = await(client.post(path, BODY, contentType));
    assertThat(reply.status()).isEqualTo(415);
    JsonObject body = reply.json();
    String message;
    if (path.equals("/v1/messages")) {
      assertThat(body.getString("type")).isEqualTo("error");
      assertThat(body.getJsonObject("error").getString("type")).isEqualTo("invalid_request_error");
      message = body.getJsonObject("error").getString("message");
    } else {
      assertThat(body.getJsonObject("error").getString("type")).isEqualTo("invalid_request_error");
      assertThat(body.getJsonObject("error").getString("code")).isEqualTo("unsupported_media_type");
      message = body.getJsonObject("error").getString("message");
    }
    assertThat(message).contains("application/json").contains(contentType == null ? "Missing Content-Type" : contentType);
  }

  @ParameterizedTest(name = "{0} with {1}")
  @MethodSource("accepted")
  void isServed(String path, String contentType) {
    assertThat(await(client.post(path, BODY, contentType)).status()).isEqualTo(200);
  }
}
