package dev.modelmux.emulator;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;

/** Starts an emulator on a free port and a client for it, per test. */
@ExtendWith(VertxExtension.class)
abstract class EmulatorTestBase {
  protected Emulator emulator;
  protected Http http;
  protected HttpClient client;

  /** The models this test class serves; instant by default. */
  protected List<EmulatedModel> models() {
    return List.of(
        new EmulatedModel("gpt-4", 0, 0, 8192, 0, 0, Fault.NONE),
        new EmulatedModel("gpt-4o", 0, 0, 128000, 0, 0, Fault.NONE),
        new EmulatedModel("tiny", 0, 0, 60, 0, 0, Fault.NONE),
        new EmulatedModel("limited", 0, 0, 8192, 1000, 2, Fault.NONE),
        new EmulatedModel("tpm-limited", 0, 0, 8192, 100, 0, Fault.NONE));
  }

  @BeforeEach
  void startEmulator(Vertx vertx, VertxTestContext ctx) {
    Context clientContext = vertx.getOrCreateContext(); // called off the event loop: a context of its own
    Emulator.start(vertx, new EmulatorConfig("127.0.0.1", 0, models()))
        .onComplete(ctx.succeeding(started -> {
          emulator = started;
          client = vertx.createHttpClient(new HttpClientOptions(), new PoolOptions().setHttp1MaxSize(16));
          http = new Http(client, started.port(), clientContext);
          ctx.completeNow();
        }));
  }

  @AfterEach
  void stopEmulator(VertxTestContext ctx) {
    client.close().eventually(() -> emulator.close()).onComplete(ctx.succeedingThenComplete());
  }
}
