package dev.modelmux.server;

import static dev.modelmux.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.modelmux.testing.GatewayFixture;
import dev.modelmux.testing.TestClient;
import dev.modelmux.testing.TestClient.Reply;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code GET /} from a browser is a small landing page (the operator's links on the listener that serves them, and
 * nothing only an operator may see); an unknown path is a 404 that names it, in the dialect of the path asked for.
 */
@ExtendWith(VertxExtension.class)
class LandingAndNotFoundTest {
  private static final MultiMap BROWSER = MultiMap.caseInsensitiveMultiMap()
      .add("accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8");
  private static final String[] OPERATOR_LINKS = {"href=\"/review\"", "href=\"/admin/costs\"", "href=\"/admin/deployments\"",
      "href=\"/metrics\""};

  private static void assertLanding(Reply page, boolean withOperatorLinks) {
    assertThat(page.status()).isEqualTo(200);
    assertThat(page.headers().get("content-type")).startsWith("text/html");
    String html = page.body().toString();
    assertThat(html).contains("modelmux").contains("/v1/chat/completions").contains("/v1/messages").contains("docs/")
        .doesNotContain("a-gpt4").doesNotContain("code-reasoning").doesNotContain("127.0.0.1");
    if (withOperatorLinks) {
      assertThat(html).contains(OPERATOR_LINKS);
    } else {
      for (String link : OPERATOR_LINKS) {
        assertThat(html).doesNotContain(link);
      }
    }
  }

  @Test
  void withoutAnAdminListenerTheMainListenerServesTheLandingPageAndNamesWhatIsNotFound(Vertx vertx) {
    GatewayFixture fixture = await(GatewayFixture.start(vertx));
    TestClient client = new TestClient(vertx, fixture.port());
    try {
      assertLanding(await(client.get("/", BROWSER)), true);

      Reply root = await(client.get("/"));
      assertThat(root.status()).isEqualTo(404);
      assertThat(root.json().getJsonObject("error")).isEqualTo(new JsonObject().put("message", "No route for GET /.")
          .put("type", "invalid_request_error").putNull("param").put("code", "not_found"));
      Reply foo = await(client.get("/foo"));
      assertThat(foo.status()).isEqualTo(404);
      assertThat(foo.json().getJsonObject("error")).isEqualTo(new JsonObject().put("message", "No route for GET /foo.")
          .put("type", "invalid_request_error").putNull("param").put("code", "not_found"));
      Reply anthropic = await(client.get("/v1/messages/count"));
      assertThat(anthropic.status()).isEqualTo(404);
      assertThat(anthropic.json().getString("type")).isEqualTo("error");
      assertThat(anthropic.json().getJsonObject("error")).isEqualTo(new JsonObject().put("type", "not_found_error")
          .put("message", "No route for GET /v1/messages/count."));
      Reply unknownModel = await(client.postJson("/v1/chat/completions", new JsonObject().put("model", "nope")
          .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hi")))));
      assertThat(unknownModel.json().getJsonObject("error").getString("code")).as("a model is still model_not_found")
          .isEqualTo("model_not_found");
    } finally {
      await(client.close());
      await(fixture.close());
    }
  }

  @Test
  void withAnAdminListenerTheOperatorsLinksAreOnItAndThePublicPageHasNone(Vertx vertx) {
    GatewayFixture fixture = await(GatewayFixture.start(vertx));
    String yaml = "server: { host: 127.0.0.1, port: 0, instances: 1, admin_port: 0 }\n"
        + GatewayFixture.STANDARD.replace("${EMU}", "http://127.0.0.1:" + fixture.emulator.port());
    ModelMux gateway = await(ModelMux.start(vertx, ModelMux.configLoader(GatewayFixture.KEYS::get).parse(yaml)));
    TestClient main = new TestClient(vertx, gateway.port());
    TestClient admin = new TestClient(vertx, gateway.adminPort());
    try {
      assertLanding(await(admin.get("/", BROWSER)), true);
      assertLanding(await(main.get("/", BROWSER)), false);
    } finally {
      await(main.close());
      await(admin.close());
      await(gateway.close());
      await(fixture.close());
    }
  }
}
