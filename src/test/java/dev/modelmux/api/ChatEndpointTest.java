package dev.modelmux.api;

import static dev.modelmux.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.modelmux.budget.LocalBudgetStore;
import dev.modelmux.config.ResilienceConfig;
import dev.modelmux.core.Dialect;
import dev.modelmux.core.GatewayError;
import dev.modelmux.core.GatewayException;
import dev.modelmux.dispatch.Shared;
import dev.modelmux.gateway.ChatService;
import dev.modelmux.gateway.KeyAccounts;
import dev.modelmux.metrics.GatewayMetrics;
import dev.modelmux.prompts.Catalog;
import dev.modelmux.testing.TestClient;
import dev.modelmux.testing.TestClient.Reply;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import java.util.Optional;
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
    Shared shared = new Shared(vertx, null, new LocalBudgetStore(60_000), null, new GatewayMetrics(null), ResilienceConfig.DEFAULT, 30_000);
    ChatService service = new ChatService(shared, null, new KeyAccounts(null, Optional.empty(), null));
    Router router = Router.router(vertx);
    router.post("/v1/chat/completions").handler(BodyHandler.create(false)).handler(new ChatEndpoint(service, Dialect.OPENAI, refusing, () -> Catalog.EMPTY));
    HttpServer server = await(vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1"));
    TestClient client = new TestClient(vertx, server.actualPort());
    try {
      String small = "{\"model\":\"m\"}";
      String large = "{\"model\":\"m\",\"pad\":\"" + "x".repeat(ChatService.OFF_LOOP_BYTES) + "\"}";
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
