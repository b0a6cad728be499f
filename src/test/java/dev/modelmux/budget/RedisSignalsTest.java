package dev.modelmux.budget;

import static dev.modelmux.testing.Await.await;
import static dev.modelmux.testing.Eventually.assertEventually;
import static org.assertj.core.api.Assertions.assertThat;

import dev.modelmux.config.RedisConfig;
import dev.modelmux.testing.RedisServer;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.OptionalDouble;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two replicas' breaker signals through one real redis-server: the half-open probe's claim is one replica's at a time
 * until it is decided (a failed probe keeps it through the next interval), openings and closes reach the other replica
 * (never the sender), and with Redis frozen a claim is granted within the budget's timeout, so the replica goes on alone.
 */
class RedisSignalsTest {
  private RedisServer redis;
  private Vertx vertx;
  private RedisWindow aWindow;
  private RedisWindow bWindow;
  private RedisSignals a;
  private RedisSignals b;

  @BeforeEach
  void start() {
    redis = RedisServer.start();
    vertx = Vertx.vertx();
    RedisConfig config = new RedisConfig(RedisConfig.Type.STANDALONE, List.of(redis.url()), null, 300, 2_000, OptionalDouble.of(0.5), 3,
        RedisConfig.OnUnavailable.LOCAL_SHARE);
    aWindow = new RedisWindow(vertx, config, 60_000);
    bWindow = new RedisWindow(vertx, config, 60_000);
    await(aWindow.start());
    await(bWindow.start());
    a = new RedisSignals(vertx, aWindow, config.timeoutMs(), () -> true);
    b = new RedisSignals(vertx, bWindow, config.timeoutMs(), () -> true);
  }

  @AfterEach
  void stop() {
    redis.thaw();
    await(aWindow.close());
    await(bWindow.close());
    await(vertx.close());
    redis.stop();
  }

  @Test
  void oneReplicaAtATimeHoldsTheProbeUntilItIsDecided() {
    assertThat(await(a.claimProbe("d", 10_000))).isTrue();
    assertThat(await(b.claimProbe("d", 10_000))).as("the other replica probes").isFalse();
    assertThat(await(a.claimProbe("d", 10_000))).as("still this replica's").isTrue();
    assertThat(await(b.claimProbe("e", 10_000))).as("per deployment").isTrue();
    a.opened("d", 1_000, 2);
    long reopened = System.nanoTime();
    assertThat(await(b.claimProbe("d", 10_000))).as("kept while the breakers are open again").isFalse();
    assertEventually(() -> assertThat(await(b.claimProbe("d", 10_000))).as("free once they go half-open").isTrue());
    assertThat((System.nanoTime() - reopened) / 1_000_000).isGreaterThanOrEqualTo(900);
    assertThat(await(a.claimProbe("d", 10_000))).isFalse();
    b.closed("d"); // sent on b's connection, the claim below on a's: they may cross, so a short wait, far from the 10 s expiry
    assertEventually(2, () -> assertThat(await(a.claimProbe("d", 10_000))).as("free at once after a success").isTrue());
  }

  @Test
  void aProbeNotSentAfterAllFreesItsReplicasClaimAtOnceAndOnlyThatReplicaCanFreeIt() {
    assertThat(await(a.claimProbe("d", 60_000))).isTrue();
    b.released("d");
    assertThat(await(b.claimProbe("d", 60_000))).as("not b's claim to free").isFalse();
    a.released("d");
    assertEventually(() -> assertThat(await(b.claimProbe("d", 60_000))).as("free long before its 60 s").isTrue());
  }

  @Test
  void aClaimEndsByItselfWhenItsReplicaNeverDecides() {
    assertThat(await(a.claimProbe("d", 300))).isTrue();
    assertEventually(() -> assertThat(await(b.claimProbe("d", 10_000))).isTrue());
  }

  @Test
  void openingsAndClosesReachTheOtherReplicaOnly() {
    List<String> heardByA = new CopyOnWriteArrayList<>();
    List<String> heardByB = new CopyOnWriteArrayList<>();
    a.listen(recorder(heardByA));
    b.listen(recorder(heardByB));
    a.opened("my deployment", 1_234, 3);
    a.closed("my deployment");
    assertEventually(() -> assertThat(heardByB).containsExactly("opened my deployment 1234 3", "closed my deployment"));
    assertThat(heardByA).as("not told back").isEmpty();
  }

  @Test
  void withRedisFrozenAClaimIsGrantedWithinTheTimeout() {
    redis.freeze();
    long start = System.nanoTime();
    assertThat(await(a.claimProbe("d", 10_000))).isTrue();
    assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(3_000);
    RedisSignals unavailable = new RedisSignals(vertx, aWindow, 300, () -> false);
    assertThat(unavailable.claimProbe("d", 10_000).result()).as("answered at once while Redis is unavailable").isTrue();
  }

  private static DeploymentSignals.Listener recorder(List<String> heard) {
    return new DeploymentSignals.Listener() {
      @Override
      public void opened(String deploymentId, long forMs, int attempt) {
        heard.add("opened " + deploymentId + " " + forMs + " " + attempt);
      }

      @Override
      public void closed(String deploymentId) {
        heard.add("closed " + deploymentId);
      }
    };
  }
}
