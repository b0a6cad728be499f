package dev.modelmux.gateway;

import static dev.modelmux.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.modelmux.emulator.Fault;
import dev.modelmux.server.ModelMux;
import dev.modelmux.testing.GatewayFixture;
import dev.modelmux.testing.RedisServer;
import dev.modelmux.testing.TestClient;
import dev.modelmux.testing.TestClient.Reply;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Two replicas on one real redis-server, default resilience settings: a breaker that opens on one opens on the other
 * for the same interval, one replica at a time probes the primary (no thundering re-probe: the emulator sees one probe
 * per interval across both), and once a probe succeeds both use the primary again.
 */
@ExtendWith(VertxExtension.class)
class ReprobeAcrossReplicasTest {
  private RedisServer redis;
  private GatewayFixture first;
  private ModelMux second;
  private TestClient toFirst;
  private TestClient toSecond;

  @BeforeEach
  void start(Vertx vertx) {
    redis = RedisServer.start();
    String redisSection = "redis: { url: " + redis.url() + ", timeout_ms: 200 }\n";
    String config = GatewayFixture.STANDARD + ReprobeTest.ROUTE;
    first = await(GatewayFixture.start(vertx, GatewayFixture.MODELS, config, redisSection));
    second = await(GatewayFixture.gateway(vertx, first.emulator, config, redisSection));
    toFirst = new TestClient(vertx, first.port(), 8);
    toSecond = new TestClient(vertx, second.port(), 8);
  }

  @AfterEach
  void stop() {
    await(toFirst.close());
    await(toSecond.close());
    await(second.close());
    await(first.close());
    redis.stop();
  }

  private long primaryRequests() {
    return first.emulator.stats("gpt-4").requests();
  }

  private boolean bothOpen() {
    return ReprobeTest.breaker(toFirst, "a-gpt4").equals("open") && ReprobeTest.breaker(toSecond, "a-gpt4").equals("open");
  }

  @Test
  void oneReplicaAtATimeProbesThePrimaryAndBothUseItOnceItRecovers() {
    first.emulator.setFault("gpt-4", Fault.status(503));
    for (int i = 0; i < 30 && !bothOpen(); i++) {
      assertThat(await(ReprobeTest.ask(i % 2 == 0 ? toFirst : toSecond)).status()).isEqualTo(200);
    }
    assertThat(bothOpen()).as("both replicas' breakers open").isTrue();
    long before = primaryRequests();

    // Across both replicas: probes at about 1 s and 1 + 2 s after the opening (each within ±20 %); the next not before 5.6 s.
    List<Reply> outage = ReprobeTest.steady(List.of(toFirst, toSecond), 4_500, 25);
    assertThat(outage).allSatisfy(r -> {
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.headers().get("x-modelmux-deployment")).isEqualTo("c-gpt35");
    });
    assertThat(primaryRequests() - before).as("probes of the primary from both replicas in 4.5 s of %d requests", outage.size())
        .isBetween(1L, 2L);

    first.emulator.setFault("gpt-4", Fault.NONE);
    long recovered = System.nanoTime();
    boolean firstBack = false;
    boolean secondBack = false;
    while (!(firstBack && secondBack) && System.nanoTime() - recovered < 15_000_000_000L) {
      firstBack |= servedByPrimary(toFirst);
      secondBack |= servedByPrimary(toSecond);
    }
    long backMs = (System.nanoTime() - recovered) / 1_000_000;
    assertThat(backMs).as("both replicas use the primary again within about the next interval (4 s ± 20 %%)").isLessThan(6_500);
    assertThat(ReprobeTest.steady(List.of(toFirst, toSecond), 500, 50))
        .allSatisfy(r -> assertThat(r.headers().get("x-modelmux-deployment")).isEqualTo("a-gpt4"));
  }

  private static boolean servedByPrimary(TestClient client) {
    return ReprobeTest.steady(List.of(client), 50, 25).stream().anyMatch(r -> "a-gpt4".equals(r.headers().get("x-modelmux-deployment")));
  }
}
