package dev.modelmux.budget;

import static dev.modelmux.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.modelmux.budget.ReserveResult.Granted;
import dev.modelmux.config.RedisConfig;
import dev.modelmux.testing.RedisServer;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Redis going away under a running store: it must fail fast, never hang, and pick up again by itself. */
class RedisBudgetStoreRestartTest {
  private static final BudgetLimits LIMITS = new BudgetLimits(1000, 10);
  private static final long TIMEOUT_MS = 300;

  private RedisServer redis;
  private Vertx vertx;
  private RedisBudgetStore store;

  @BeforeEach
  void start() {
    redis = RedisServer.start();
    vertx = Vertx.vertx();
    store = new RedisBudgetStore(vertx, RedisConfig.standalone(redis.url(), TIMEOUT_MS), 60_000);
    await(store.start());
  }

  @AfterEach
  void stop() {
    await(store.close());
    await(vertx.close());
    redis.stop();
  }

  @Test
  void scriptsAreReloadedAfterARedisRestart() {
    assertThat(await(store.reserve("d", LIMITS, 10))).isInstanceOf(Granted.class);
    redis.restart(); // empty: no keys, no scripts
    assertThat(redis.command("SCRIPT EXISTS " + BudgetScript.RESERVE.sha)).isEqualTo("*1");
    Granted g = (Granted) await(store.reserve("d", LIMITS, 10));
    assertThat(g.after().tokensUsed()).isEqualTo(10); // the old usage went with the old server
    await(store.settle(g.reservation(), 4));
    assertThat(await(store.headroom("d", LIMITS)).tokensUsed()).isEqualTo(4);
  }

  @Test
  void scriptFlushIsHealedTransparently() {
    redis.command("SCRIPT FLUSH");
    assertThat(await(store.reserve("d", LIMITS, 10))).isInstanceOf(Granted.class);
    redis.command("SCRIPT FLUSH");
    await(store.pause("d", 1000));
    assertThat(await(store.headroom("d", LIMITS)).pausedForMs()).isPositive();
  }

  @Test
  void callsFailFastWhileRedisIsDown() {
    redis.kill();
    long t0 = System.nanoTime();
    assertThatThrownBy(() -> await(store.reserve("d", LIMITS, 10))).isNotNull();
    assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(TIMEOUT_MS + 1_000);
  }

  @Test
  void aCallQueuedInAHungRedisStillCompletesWhenItResumes() {
    // The store's futures are the commands' own: the caller bounds them, and can still learn what Redis did.
    redis.freeze();
    Future<ReserveResult> queued;
    try {
      queued = store.reserve("d", LIMITS, 10);
      assertThatThrownBy(() -> await(queued.timeout(TIMEOUT_MS, java.util.concurrent.TimeUnit.MILLISECONDS))).isNotNull();
    } finally {
      redis.thaw();
    }
    assertThat(await(queued)).isInstanceOf(Granted.class);
  }

  @Test
  void theFreedSubscriptionComesBackAfterARestart() {
    redis.restart();
    // another replica, started after the restart, gives tokens back
    RedisBudgetStore other = new RedisBudgetStore(vertx, RedisConfig.standalone(redis.url(), TIMEOUT_MS), 60_000);
    await(other.start());
    try {
      Promise<String> freed = Promise.promise();
      store.onFreed((id, tokens) -> freed.tryComplete(id));
      // the subscriber reconnects on its own (1 s retry); until then messages are lost, so keep settling
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (!freed.future().isComplete() && System.nanoTime() < deadline) {
        await(store.markWaiting("d", true).otherwise(0L));
        Granted g = (Granted) await(other.reserve("d", new BudgetLimits(1_000_000, 1_000_000), 10));
        await(other.settle(g.reservation(), 0));
        Promise<Void> tick = Promise.promise();
        vertx.setTimer(100, t -> tick.complete());
        await(tick.future());
      }
      assertThat(await(freed.future())).isEqualTo("d");
      assertThat(store.subscribed()).isTrue();
    } finally {
      await(other.close());
    }
  }
}
