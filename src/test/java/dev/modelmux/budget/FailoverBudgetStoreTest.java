package dev.modelmux.budget;

import static dev.modelmux.testing.Await.await;
import static dev.modelmux.testing.Eventually.assertEventually;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.modelmux.budget.ReserveResult.Granted;
import dev.modelmux.config.RedisConfig;
import dev.modelmux.testing.CapturedLogs;
import dev.modelmux.testing.RedisServer;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class FailoverBudgetStoreTest {
  private static final String PASSWORD = "s3cret-Pa55";
  private static final BudgetLimits LIMITS = new BudgetLimits(1000, 10);
  private static final long TIMEOUT_MS = 200;

  private RedisServer redis;
  private Vertx vertx;
  private CapturedLogs logs;
  private FailoverBudgetStore store;

  @BeforeEach
  void start() {
    logs = CapturedLogs.attach();
    redis = RedisServer.start(PASSWORD);
    vertx = Vertx.vertx();
  }

  @AfterEach
  void stop() {
    if (store != null) {
      await(store.close());
    }
    await(vertx.close());
    redis.stop();
    logs.detach();
  }

  private RedisConfig config() {
    // One failed call declares Redis down here, so each transition is one step; the breaker has its own test.
    return new RedisConfig(RedisConfig.Type.STANDALONE, List.of(redis.url()), null, TIMEOUT_MS, 1_000, OptionalDouble.of(0.5), 1,
        RedisConfig.OnUnavailable.LOCAL_SHARE);
  }

  private FailoverBudgetStore startStore() {
    store = (FailoverBudgetStore) await(BudgetStores.create(vertx, Optional.of(config()), 60_000));
    return store;
  }

  private List<ILoggingEvent> storeLogs(Level level) {
    return logs.events.stream()
        .filter(e -> e.getLoggerName().equals(FailoverBudgetStore.class.getName()) && e.getLevel() == level)
        .toList();
  }

  /** Resolves on the next availability transition to {@code wanted}. */
  private Promise<Void> whenAvailable(boolean wanted) {
    Promise<Void> p = Promise.promise();
    store.onAvailabilityChange(now -> {
      if (now == wanted) {
        p.tryComplete();
      }
    });
    return p;
  }

  @Test
  void sharesBudgetsThroughRedisWhileItAnswers() {
    startStore();
    Granted g = (Granted) await(store.reserve("d", LIMITS, 600));
    assertThat(g.reservation().local()).isFalse();
    assertThat(g.after().tpm()).isEqualTo(1000); // the full limits, not the local share
    assertThat(store.redisAvailable()).isTrue();
    JsonObject status = store.status();
    assertThat(status.getString("mode")).isEqualTo("redis");
    assertThat(status.getJsonObject("redis").getBoolean("available")).isTrue();
    assertThat(status.getJsonObject("redis").getLong("failures")).isZero();
    assertThat(status.encode()).doesNotContain(PASSWORD);

    RedisBudgetStore other = new RedisBudgetStore(vertx, config(), 60_000);
    await(other.start());
    try {
      assertThat(await(other.headroom("d", LIMITS)).tokensUsed()).isEqualTo(600);
      await(store.settle(g.reservation(), 100));
      assertThat(await(other.headroom("d", LIMITS)).tokensUsed()).isEqualTo(100);
      await(store.pause("d", 3_000));
      assertThat(await(other.headroom("d", LIMITS)).pausedForMs()).isPositive();
    } finally {
      await(other.close());
    }
  }

  @Test
  void answersFromTheLocalShareWhenRedisDiesAndReturnsWhenItComesBack() {
    startStore();
    Promise<Void> down = whenAvailable(false);
    Promise<Void> up = whenAvailable(true);

    redis.kill();
    long t0 = System.nanoTime();
    Granted g = (Granted) await(store.reserve("d", LIMITS, 400));
    assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(TIMEOUT_MS + 500);
    assertThat(g.reservation().local()).isTrue();
    assertThat(g.after().tpm()).isEqualTo(500); // localShare 0.5
    assertThat(down.future().isComplete()).isTrue();
    assertThat(store.redisAvailable()).isFalse();
    JsonObject status = store.status();
    assertThat(status.getString("mode")).isEqualTo("local-fallback");
    assertThat(status.getJsonObject("redis").getBoolean("available")).isFalse();
    assertThat(status.getJsonObject("redis").getLong("failures")).isEqualTo(1);
    assertThat(status.getJsonObject("redis").getString("since")).isNotBlank();

    // later calls go straight to the local share: no more failures, one WARN for the transition
    assertThat(await(store.reserve("d", LIMITS, 100))).isInstanceOf(Granted.class);
    assertThat(((ReserveResult.Denied) await(store.reserve("d", LIMITS, 1))).reason())
        .isEqualTo(ReserveResult.Reason.TOKENS); // tpm 1000 * 0.5 = 500, all taken
    assertThat(store.failures()).isEqualTo(1);
    List<ILoggingEvent> warns = storeLogs(Level.WARN);
    assertThat(warns).hasSize(1);
    assertThat(warns.get(0).getFormattedMessage()).contains("127.0.0.1:" + redis.port()).doesNotContain(PASSWORD);

    redis.restart();
    await(up.future());
    assertThat(store.status().getString("mode")).isEqualTo("redis");
    assertThat(storeLogs(Level.INFO)).anySatisfy(e ->
        assertThat(e.getFormattedMessage()).contains("available again").doesNotContain(PASSWORD));

    Granted shared = (Granted) await(store.reserve("d", LIMITS, 100));
    assertThat(shared.reservation().local()).isFalse();
    assertThat(shared.after().tokensUsed()).as("the 500 granted locally were written back before switching")
        .isEqualTo(600);

    // the reservation taken locally settles locally, and what it gave back reaches Redis on the next write-back
    await(store.settle(g.reservation(), 0));
    assertEventually(() -> assertThat(await(store.headroom("d", LIMITS)).tokensUsed()).isEqualTo(200));
    assertThat(logs.events).noneSatisfy(e -> assertThat(e.getFormattedMessage()).contains(PASSWORD));
  }

  @Test
  void aHungRedisIsAbandonedWithinTheTimeout() {
    startStore();
    redis.freeze();
    try {
      long t0 = System.nanoTime();
      ReserveResult r = await(store.reserve("d", LIMITS, 10));
      assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(TIMEOUT_MS + 500);
      assertThat(((Granted) r).reservation().local()).isTrue();
      assertThat(store.mode()).isEqualTo("local-fallback");
    } finally {
      redis.thaw();
    }
  }

  @Test
  void startsInLocalFallbackWhenRedisIsDownAtStartAndSwitchesWhenItArrives() {
    redis.kill();
    startStore();
    assertThat(store.mode()).isEqualTo("local-fallback");
    assertThat(storeLogs(Level.WARN)).hasSize(1);
    assertThat(((Granted) await(store.reserve("d", LIMITS, 10))).reservation().local()).isTrue();

    Promise<Void> up = whenAvailable(true);
    redis.restart();
    await(up.future());
    assertThat(((Granted) await(store.reserve("d", LIMITS, 10))).reservation().local()).isFalse();
    assertThat(store.status().getJsonObject("redis").getBoolean("subscribed")).isTrue();
  }

  @Test
  void settlingARedisReservationWhileRedisIsAwayIsKeptForWhenItReturns() {
    startStore();
    Granted g = (Granted) await(store.reserve("d", LIMITS, 10));
    redis.kill();
    await(store.settle(g.reservation(), 0)); // must not fail the request it serves
    assertThat(store.mode()).isEqualTo("local-fallback");
    assertThat(store.failures()).isEqualTo(1);
    assertThat(store.pendingReconciliations()).isEqualTo(1);
  }

  @Test
  void pausesAndProviderSignalsReachTheLocalShareToo() {
    startStore();
    await(store.pause("d", 5_000));
    await(store.observeRemaining("e", LIMITS, 0, -1));
    redis.kill();
    ReserveResult paused = await(store.reserve("d", LIMITS, 10));
    assertThat(((ReserveResult.Denied) paused).reason()).isEqualTo(ReserveResult.Reason.PAUSED);
    ReserveResult spent = await(store.reserve("e", LIMITS, 10));
    assertThat(((ReserveResult.Denied) spent).reason()).isEqualTo(ReserveResult.Reason.TOKENS);
  }

  @Test
  void withoutRedisTheEmbeddedStoreIsLocal() {
    BudgetStore embedded = await(BudgetStores.create(vertx, Optional.empty()));
    assertThat(embedded).isInstanceOf(LocalBudgetStore.class);
    assertThat(embedded.status().getString("mode")).isEqualTo("local");
    Granted g = (Granted) await(embedded.reserve("d", LIMITS, 1000));
    assertThat(g.reservation().local()).isTrue();
  }

  @Test
  void freedHandlersHearLocalSettlesDuringAnOutage() {
    startStore();
    redis.kill();
    Promise<String> freed = Promise.promise();
    store.onFreed((id, tokens) -> freed.tryComplete(id));
    store.waiting("d", true);
    Granted g = (Granted) await(store.reserve("d", LIMITS, 300));
    await(store.settle(g.reservation(), 50));
    assertThat(await(freed.future())).isEqualTo("d");
  }

  @Test
  void redactsCredentialsInUrls() {
    assertThat(RedisUrls.redact(java.net.URI.create("redis://user:pw@host:6380/2"))).isEqualTo("redis://***@host:6380/2");
    assertThat(RedisUrls.redact(java.net.URI.create("rediss://:pw@h"))).isEqualTo("rediss://***@h");
    assertThat(RedisUrls.redact(java.net.URI.create("redis://h:1"))).isEqualTo("redis://h:1");
  }
}
