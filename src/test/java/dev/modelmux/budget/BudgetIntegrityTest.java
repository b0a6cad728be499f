package dev.modelmux.budget;

import static dev.modelmux.testing.Await.await;
import static dev.modelmux.testing.Eventually.assertEventually;
import static org.assertj.core.api.Assertions.assertThat;

import dev.modelmux.budget.ReserveResult.Denied;
import dev.modelmux.budget.ReserveResult.Granted;
import dev.modelmux.budget.ReserveResult.Reason;
import dev.modelmux.config.RedisConfig;
import dev.modelmux.testing.RedisServer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * What keeps the shared budget honest when Redis is slow, lost or flapping, against a real redis-server: reservation
 * ids (no double booking), the breaker on Redis, the local share that continues the shared window, write-back on
 * recovery, restore after an empty restart, fail-closed, and a client that takes a cold burst without timeouts.
 */
class BudgetIntegrityTest {
  private static final BudgetLimits LIMITS = new BudgetLimits(1000, 40);
  private static final long TIMEOUT_MS = 250;

  private RedisServer redis;
  private final List<Vertx> vertxes = new ArrayList<>();
  private final List<BudgetStore> stores = new ArrayList<>();
  private String dep;

  @BeforeEach
  void start(TestInfo info) {
    redis = RedisServer.start();
    dep = "acct-" + info.getTestMethod().orElseThrow().getName();
  }

  @AfterEach
  void stop() {
    stores.forEach(s -> await(s.close().otherwiseEmpty()));
    vertxes.forEach(v -> await(v.close()));
    redis.stop();
  }

  private RedisConfig config(int failuresToDown, RedisConfig.OnUnavailable onUnavailable) {
    return new RedisConfig(RedisConfig.Type.STANDALONE, List.of(redis.url()), null, TIMEOUT_MS, 1_000, OptionalDouble.empty(),
        failuresToDown, onUnavailable);
  }

  private FailoverBudgetStore failover(RedisConfig config) {
    Vertx vertx = Vertx.vertx();
    vertxes.add(vertx);
    FailoverBudgetStore s = await(FailoverBudgetStore.start(vertx, config, 60_000, RedisBudgetStore.DEFAULT_PREFIX, 200));
    stores.add(s);
    return s;
  }

  private RedisBudgetStore plain() {
    Vertx vertx = Vertx.vertx();
    vertxes.add(vertx);
    RedisBudgetStore s = new RedisBudgetStore(vertx, RedisConfig.standalone(redis.url(), TIMEOUT_MS), 60_000);
    await(s.start());
    stores.add(s);
    return s;
  }

  private long sharedTokens(RedisBudgetStore s) {
    return await(s.headroom(dep, LIMITS)).tokensUsed();
  }

  @Test
  void aReservationIdIsGrantedOnceHoweverOftenItIsSent() {
    RedisBudgetStore s = plain();
    Granted first = (Granted) await(s.reserve(dep, LIMITS, 300, "r-1"));
    Granted again = (Granted) await(s.reserve(dep, LIMITS, 300, "r-1"));
    assertThat(again.reservation().slot()).isEqualTo(first.reservation().slot());
    assertThat(sharedTokens(s)).isEqualTo(300);
    assertThat(await(s.headroom(dep, LIMITS)).requestsUsed()).isEqualTo(1);
  }

  @Test
  void aReleaseThatArrivesBeforeItsReserveLeavesATombstone() {
    RedisBudgetStore s = plain();
    await(s.release(new Reservation(dep, "late-1", 300, 0, false)));
    ReserveResult late = await(s.reserve(dep, LIMITS, 300, "late-1"));
    assertThat(((Denied) late).reason()).isEqualTo(Reason.UNAVAILABLE);
    assertThat(sharedTokens(s)).isZero();
  }

  @Test
  void aReleaseGivesBackTheTokensAndTheRequest() {
    RedisBudgetStore s = plain();
    Granted g = (Granted) await(s.reserve(dep, LIMITS, 300));
    await(s.release(g.reservation()));
    assertThat(await(s.headroom(dep, LIMITS))).extracting(Headroom::tokensUsed, Headroom::requestsUsed).containsExactly(0L, 0L);
    await(s.release(g.reservation())); // once only
    assertThat(sharedTokens(s)).isZero();
  }

  @Test
  void aThousandConcurrentReservationsFromAColdStoreAllCompleteInRedis() {
    FailoverBudgetStore s = failover(config(3, RedisConfig.OnUnavailable.LOCAL_SHARE));
    BudgetLimits roomy = new BudgetLimits(10_000_000, 100_000);
    List<Future<ReserveResult>> calls = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      calls.add(s.reserve(dep, roomy, 100));
    }
    List<ReserveResult> answers = calls.stream().map(f -> await(f)).toList();
    assertThat(answers).allSatisfy(a -> assertThat(((Granted) a).reservation().local()).isFalse());
    assertThat(s.failures()).as("timed-out or failed Redis calls").isZero();
    assertThat(s.mode()).isEqualTo("redis");
    assertThat(await(s.redis().headroom(dep, roomy)).requestsUsed()).isEqualTo(1000);
  }

  @Test
  void oneSlowCallIsRefusedForThatCallOnlyAndItsRedisCopyIsReleased() {
    // Its two tries and the heartbeat that times out meanwhile must not add up to an outage here.
    FailoverBudgetStore s = failover(config(6, RedisConfig.OnUnavailable.LOCAL_SHARE));
    await(s.reserve(dep, LIMITS, 100)); // learns the epoch and N
    redis.freeze();
    ReserveResult slow;
    try {
      slow = await(s.reserve(dep, LIMITS, 200));
    } finally {
      redis.thaw();
    }
    assertThat(s.mode()).as("one failure is not an outage").isEqualTo("redis");
    if (slow instanceof Granted g) {
      // The second try, under the same id, reached Redis after the thaw: one grant, counted once.
      assertThat(g.reservation().local()).isFalse();
      assertEventually(() -> assertThat(await(s.redis().headroom(dep, LIMITS)).requestsUsed()).isEqualTo(2));
      assertThat(sharedTokens(s.redis())).isEqualTo(300);
    } else {
      // Refused, not granted locally: the other replicas still grant from Redis, a local grant would come on top.
      assertThat(((Denied) slow).reason()).isEqualTo(Reason.UNAVAILABLE);
      // The frozen EVALSHA ran when Redis resumed and granted 200: that copy is found and released.
      assertEventually(() -> {
        assertThat(sharedTokens(s.redis())).isEqualTo(100);
        assertThat(await(s.redis().headroom(dep, LIMITS)).requestsUsed()).isEqualTo(1);
        assertThat(s.pendingReconciliations()).isZero();
      });
    }
    assertThat(((Granted) await(s.reserve(dep, LIMITS, 200))).reservation().local()).isFalse();
  }

  @Test
  void consecutiveFailuresDeclareRedisDownAndTheLocalShareContinuesTheSharedWindow() {
    FailoverBudgetStore s = failover(config(3, RedisConfig.OnUnavailable.LOCAL_SHARE));
    FailoverBudgetStore other = failover(config(3, RedisConfig.OnUnavailable.LOCAL_SHARE));
    assertEventually(() -> assertThat(s.status().getLong("replicas")).isEqualTo(2));
    assertThat(s.local().share()).isEqualTo(0.5);
    for (int i = 0; i < 20; i++) {
      assertThat(await(other.reserve(dep, LIMITS, 10))).isInstanceOf(Granted.class);
    }
    await(s.headroom(dep, LIMITS)); // s has seen 20 of 40 requests used

    redis.kill();
    // One call, asked twice under its id: refused, and two failures are not yet an outage.
    assertThat(((Denied) await(s.reserve(dep, LIMITS, 10))).reason()).isEqualTo(Reason.UNAVAILABLE);
    assertThat(s.mode()).isEqualTo("redis");
    int granted = 0;
    while (await(s.reserve(dep, LIMITS, 10)) instanceof Granted) { // the third failure: down, then the local share
      granted++;
    }
    assertThat(s.mode()).isEqualTo("local-fallback");
    // Half of what was left (40 - 20), not half of the whole limit.
    assertThat(granted).isEqualTo(10);
  }

  @Test
  void onRecoveryTheLocalGrantsAreWrittenBackBeforeGrantsContinue() {
    FailoverBudgetStore s = failover(config(1, RedisConfig.OnUnavailable.LOCAL_SHARE));
    await(s.reserve(dep, LIMITS, 100));
    redis.freeze();
    try {
      assertThat(((Granted) await(s.reserve(dep, LIMITS, 100))).reservation().local()).as("times out: down, local").isTrue();
      assertThat(s.mode()).isEqualTo("local-fallback");
      for (int i = 0; i < 5; i++) {
        assertThat(((Granted) await(s.reserve(dep, LIMITS, 50))).reservation().local()).isTrue();
      }
    } finally {
      redis.thaw();
    }
    assertEventually(() -> {
      assertThat(s.mode()).isEqualTo("redis");
      // 100 in Redis before, then 100 + 5 x 50 granted locally (the timed-out call's Redis copy released).
      assertThat(sharedTokens(s.redis())).isEqualTo(450);
      assertThat(await(s.redis().headroom(dep, LIMITS)).requestsUsed()).isEqualTo(7);
    });
  }

  @Test
  void aRedisThatComesBackEmptyIsRestoredFromWhatTheReplicasKnew() {
    FailoverBudgetStore s = failover(config(1, RedisConfig.OnUnavailable.LOCAL_SHARE));
    for (int i = 0; i < 30; i++) {
      await(s.reserve(dep, LIMITS, 10));
    }
    redis.restart(); // empty: no window, no epoch
    int grants = 0;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    boolean shared = false;
    while (!shared && System.nanoTime() < deadline) {
      ReserveResult r = await(s.reserve(dep, LIMITS, 10));
      assertThat(r).isInstanceOf(Granted.class);
      grants++;
      shared = !((Granted) r).reservation().local();
    }
    assertThat(shared).as("back on Redis").isTrue();
    int expected = 30 + grants;
    assertEventually(() -> assertThat(await(s.redis().headroom(dep, LIMITS)).requestsUsed())
        .as("the 30 from before the restart restored, the local ones written back, nothing counted twice")
        .isEqualTo(expected));
    assertThat(s.redis().restores()).isPositive();
  }

  @Test
  void aReadOrSettleOfAnEmptiedRedisDoesNotEraseWhatTheReplicaKnew() {
    FailoverBudgetStore s = failover(config(3, RedisConfig.OnUnavailable.LOCAL_SHARE));
    List<Reservation> held = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      held.add(((Granted) await(s.reserve(dep, LIMITS, 10))).reservation());
    }
    redis.command("FLUSHALL"); // Redis lost everything, and no call failed: this replica never saw it go away
    // The first replies after the loss come from calls that do not check the epoch: a settle and a headroom read.
    await(s.settle(held.get(0), 10));
    await(s.headroom(dep, LIMITS));
    assertEventually(() -> assertThat(await(s.redis().headroom(dep, LIMITS)).requestsUsed())
        .as("the 30 requests of the window restored, not taken as 0 from the emptied Redis").isEqualTo(30));
    for (int i = 30; i < LIMITS.rpm(); i++) {
      assertThat(await(s.reserve(dep, LIMITS, 10))).isInstanceOf(Granted.class);
    }
    assertThat(await(s.reserve(dep, LIMITS, 10))).as("the 41st request of the minute").isInstanceOf(Denied.class);
  }

  @Test
  void failClosedRefusesWhileRedisIsAway() {
    FailoverBudgetStore s = failover(config(1, RedisConfig.OnUnavailable.FAIL_CLOSED));
    redis.kill();
    ReserveResult r = await(s.reserve(dep, LIMITS, 10));
    assertThat(((Denied) r).reason()).isEqualTo(Reason.UNAVAILABLE);
    assertThat(((Denied) r).retryAfterMs()).isPositive();
    assertThat(((Denied) await(s.reserve(dep, LIMITS, 10))).reason()).isEqualTo(Reason.UNAVAILABLE);
  }

  @Test
  void callsAreBoundedFromTheWriteNotByAPool() {
    FailoverBudgetStore s = failover(config(1000, RedisConfig.OnUnavailable.LOCAL_SHARE));
    redis.freeze();
    try {
      long t0 = System.nanoTime();
      List<Future<ReserveResult>> calls = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        calls.add(s.reserve(dep, LIMITS, 1));
      }
      calls.forEach(f -> await(f));
      long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      assertThat(ms).as("200 calls to a hung Redis, all at once").isLessThan(TIMEOUT_MS + 750);
    } finally {
      redis.thaw();
    }
  }
}
