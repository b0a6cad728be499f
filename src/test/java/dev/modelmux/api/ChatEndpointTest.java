package dev.modelmux.api;

import static dev.modelmux.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.modelmux.core.Dialect;
import dev.modelmux.core.GatewayError;
import dev.modelmux.core.GatewayException;
import dev.modelmux.gateway.ChatService;
import dev.modelmux.metrics.GatewayMetrics;
import dev.modelmux.testing.TestClient;
import dev.modelmux.testing.TestClient.Reply;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Small bodies are validated on the event loop; large ones on a worker, so a big prompt never stalls the loop. */
@ExtendWith(VertxExtension.class)
class ChatEndpointTest {
  @Test
  void aLargeBodyIsParsedOffTheEventLoopAndItsErrorStillReachesTheClient(Vertx vertx) {
    List<Boolean> parsedOnEventLoop = new CopyOnWriteArrayList<>();
    ChatEndpoint.Parser refusing = (requestId, body) -> {
      parsedOnEventLoop.add(Context.isOnEventLoopThread());
      throw new GatewayException(GatewayError.invalid("no thanks (" + body.length() + " bytes)", "messages", null));
    };
    ChatService service = new ChatService(vertx, null, null, null, null, null, new GatewayMetrics(null).unrouted(),
        dev.modelmux.config.ResilienceConfig.DEFAULT, 30_000, new dev.modelmux.gateway.OpenExchanges(),
        new dev.modelmux.gateway.KeyAccounts(null, java.util.Optional.empty(), null), null, null, null, null);
    Router router = Router.router(vertx);
    router.post("/v1/chat/completions").handler(BodyHandler.create(false)).handler(new ChatEndpoint(service, Dialect.OPENAI, refusing, () -> dev.modelmux.prompts.Catalog.EMPTY));
    HttpServer server = await(vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1"));
    TestClient client = new TestClient(vertx, server.actualPort());
    try {
      String small = "{\"model\":\"m\"}";
      String large = "{\"model\":\"m\",\"pad\":\"" + "x".repeat(ChatEndpoint.PARSE_OFF_LOOP_BYTES) + "\"}";
      Reply smallReply = await(client.post("/v1/chat/completions", small, "application/json"));
      Reply largeReply = await(client.post("/v1/chat/completions", large, "application/json"));

      assertThat(parsedOnEventLoop).containsExactly(true, false);
      assertThat(smallReply.status()).isEqualTo(400);
      assertThat(largeReply.status()).isEqualTo(400);
      assertThat(largeReply.json().getJsonObject("error").getString("message"))
          .isEqualTo("no thanks (" + large.length() + " bytes)");
    } finally {
      await(client.close());
      await(server.close());
    }
  }
}
