package dev.modelmux.server;

import static dev.modelmux.testing.Await.await;
import static dev.modelmux.testing.Eventually.assertEventually;
import static org.assertj.core.api.Assertions.assertThat;

import dev.modelmux.testing.GatewayFixture;
import dev.modelmux.testing.TestClient;
import dev.modelmux.testing.TestClient.Reply;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.ServerSocket;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * /health/ready tells the truth: STARTING until every event loop's listener is up (the first answers while the others
 * still start, and nothing should be sent to a process not all there yet), UP, DEGRADED (still 200) while budgets run
 * on local shares because Redis is down, DRAINING from a drain's start.
 */
class ReadinessTest {
  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void stop() {
    await(vertx.close());
  }

  @Test
  void localFallbackIsReportedAsDegradedButStaysInTheLoadBalancer() throws IOException {
    int deadPort;
    try (ServerSocket s = new ServerSocket(0)) {
      deadPort = s.getLocalPort();
    }
    GatewayFixture fixture = await(GatewayFixture.start(vertx, GatewayFixture.MODELS, GatewayFixture.STANDARD,
        "redis: { url: redis://127.0.0.1:" + deadPort + ", unavailable_after_ms: 100 }\n"));
    TestClient client = new TestClient(vertx, fixture.port());

    // Its start and the retries each second are refused: after three failures over 100 ms it answers from local shares.
    assertEventually(() -> assertThat(await(client.get("/health/ready")).json().getString("status")).isEqualTo("DEGRADED"));
    Reply ready = await(client.get("/health/ready"));

    assertThat(ready.status()).isEqualTo(200);
    assertThat(ready.json().getString("status")).isEqualTo("DEGRADED");
    assertThat(ready.json().getJsonObject("checks").getJsonObject("budgets").getString("mode")).isEqualTo("local-fallback");
    await(client.close());
    await(fixture.close());
  }

  @Test
  void upWithLocalBudgets() {
    GatewayFixture fixture = await(GatewayFixture.start(vertx));
    TestClient client = new TestClient(vertx, fixture.port());

    Reply ready = await(client.get("/health/ready"));

    assertThat(ready.status()).isEqualTo(200);
    assertThat(ready.json().getString("status")).isEqualTo("UP");
    await(client.close());
    await(fixture.close());
  }

  @Test
  void notReadyUntilEveryListenerIsUpThenUpDegradedOrDraining() {
    AtomicBoolean draining = new AtomicBoolean();
    Readiness readiness = new Readiness(draining::get);
    assertThat(readiness.answer("local")).isEqualTo(new Readiness.Answer(503, "STARTING"));
    readiness.started();
    assertThat(readiness.answer("local")).isEqualTo(new Readiness.Answer(200, "UP"));
    assertThat(readiness.answer("redis")).isEqualTo(new Readiness.Answer(200, "UP"));
    assertThat(readiness.answer("local-fallback")).as("a Redis outage keeps the replica in").isEqualTo(new Readiness.Answer(200, "DEGRADED"));
    draining.set(true);
    assertThat(readiness.answer("local-fallback")).isEqualTo(new Readiness.Answer(503, "DRAINING"));
  }
}
