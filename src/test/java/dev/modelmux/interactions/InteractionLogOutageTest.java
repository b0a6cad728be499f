package dev.modelmux.interactions;

import static dev.modelmux.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.modelmux.testing.GatewayFixture;
import dev.modelmux.testing.PostgresServer;
import dev.modelmux.testing.TestClient;
import dev.modelmux.testing.TestClient.StreamReply;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The log on a real PostgreSQL that dies mid-load: requests go on unaffected, what could not be written is counted. */
@ExtendWith(VertxExtension.class)
class InteractionLogOutageTest {
  private PostgresServer postgres;
  private GatewayFixture fixture;
  private TestClient client;

  @BeforeEach
  void start(Vertx vertx) {
    postgres = PostgresServer.start();
    String extra = "interactions: { store: postgres, url: \"" + postgres.url() + "\", flush_ms: 10, queue: 5 }\n";
    fixture = await(GatewayFixture.start(vertx, GatewayFixture.CROSS_MODELS, InteractionLogTest.DEPLOYMENTS, extra));
    client = new TestClient(vertx, fixture.port());
  }

  @AfterEach
  void stop() {
    await(client.close());
    await(fixture.close());
    postgres.close();
  }

  private String askAndWait(int n) {
    StreamReply reply = await(client.stream(new JsonObject().put("model", "code").put("stream", true)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "say: answer " + n)))));
    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.text()).isEqualTo("answer " + n);
    String id = reply.headers().get("x-request-id");
    await(fixture.gateway.interactions().handedOver(id));
    return id;
  }

  @Test
  void aDatabaseThatDiesNeverFailsARequestAndItsLossesAreCounted() throws Exception {
    InteractionLog log = fixture.gateway.interactions();
    String before = askAndWait(0);
    await(log.stored(before));
    assertThat(await(log.store().find(before))).isNotNull();

    postgres.kill();
    for (int i = 1; i <= 20; i++) {
      askAndWait(i);
    }
    await(log.flush());
    assertThat(dropped("write_failed")).isPositive();

    postgres.launch();
    String after = askAndWait(21);
    await(log.stored(after));
    assertThat(await(log.store().find(after))).as("the log writes again once the database is back").isNotNull();
  }

  @Test
  void aHungDatabaseNeverSlowsARequestTheFullQueueDropsAndCounts() throws Exception {
    InteractionLog log = fixture.gateway.interactions();
    await(log.stored(askAndWait(0)));
    postgres.freeze();
    try {
      for (int i = 1; i <= 20; i++) {
        askAndWait(i); // each answered while the log's one write in flight waits on the frozen server
      }
      // 20 records: at most 5 wait in the queue and at most 5 more were taken into the write stuck on the server.
      assertThat(dropped("queue_full")).as("beyond its 5 places the queue drops").isGreaterThanOrEqualTo(10);
    } finally {
      postgres.thaw();
    }
    await(log.flush());
    String after = askAndWait(21);
    await(log.stored(after));
    assertThat(await(log.store().find(after))).isNotNull();
  }

  private double dropped(String reason) {
    String metrics = await(client.get("/metrics")).body().toString();
    Matcher m = Pattern.compile("modelmux_interactions_dropped_total\\{reason=\"" + reason + "\"} ([0-9.E]+)").matcher(metrics);
    return m.find() ? Double.parseDouble(m.group(1)) : -1;
  }
}
