package dev.modelmux.budget;

import static dev.modelmux.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.modelmux.budget.ReserveResult.Denied;
import dev.modelmux.budget.ReserveResult.Granted;
import dev.modelmux.budget.ReserveResult.Reason;
import dev.modelmux.config.RedisConfig;
import dev.modelmux.testing.RedisServer;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/** Two stores on two Vert.x instances = two replicas sharing one real redis-server. */
class RedisBudgetStoreTest {
  private static RedisServer redis;
  private static Vertx vertxA;
  private static Vertx vertxB;

  private RedisBudgetStore a;
  private RedisBudgetStore b;
  private String dep;

  @BeforeAll
  static void startRedis() {
    redis = RedisServer.start();
    vertxA = Vertx.vertx();
    vertxB = Vertx.vertx();
  }

  @AfterAll
  static void stopRedis() {
    await(vertxA.close());
    await(vertxB.close());
    redis.stop();
  }

  @BeforeEach
  void stores(TestInfo info) {
    a = store(vertxA, 60_000);
    b = store(vertxB, 60_000);
    dep = "acct/" + info.getTestMethod().orElseThrow().getName();
  }

  @AfterEach
  void closeStores() {
    await(a.close());
    await(b.close());
  }

  private static RedisBudgetStore store(Vertx vertx, long windowMs) {
    RedisBudgetStore s = new RedisBudgetStore(vertx, RedisConfig.standalone(redis.url(), 2_000), windowMs);
    await(s.start());
    return s;
  }

  /** Redis server time, epoch seconds (TIME answers "*2", "$10", then the seconds). */
  private long redisSecond() {
    try (java.net.Socket s = new java.net.Socket("127.0.0.1", redis.port())) {
      s.getOutputStream().write("TIME\r\n".getBytes());
      java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(s.getInputStream()));
      in.readLine();
      in.readLine();
      return Long.parseLong(in.readLine());
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void reserveSettleHeadroomRoundTrip() {
    BudgetLimits limits = new BudgetLimits(1000, 10);
    long before = redisSecond();
    Granted g = (Granted) await(a.reserve(dep, limits, 600));
    assertThat(g.reservation().local()).isFalse();
    assertThat(g.reservation().tokens()).isEqualTo(600);
    assertThat(g.reservation().slot()).isBetween(before, redisSecond());
    assertThat(g.after().tokensUsed()).isEqualTo(600);
    assertThat(g.after().requestsUsed()).isEqualTo(1);

    Headroom h = await(b.headroom(dep, limits));
    assertThat(h.tokensUsed()).isEqualTo(600);
    assertThat(h.requestsUsed()).isEqualTo(1);
    assertThat(h.pausedForMs()).isZero();

    Denied d = (Denied) await(b.reserve(dep, limits, 500));
    assertThat(d.reason()).isEqualTo(Reason.TOKENS);
    assertThat(d.retryAfterMs()).isBetween(58_000L, 60_000L);
    assertThat(((Denied) await(b.reserve(dep, limits, 1001))).reason()).isEqualTo(Reason.TOO_LARGE);

    await(a.settle(g.reservation(), 200));
    assertThat(await(b.headroom(dep, limits)).tokensUsed()).isEqualTo(200);
    await(a.settle(g.reservation(), 0)); // applied once per reservation id: settling again changes nothing
    assertThat(await(b.headroom(dep, limits)).tokensUsed()).isEqualTo(200);
    assertThat(await(b.reserve(dep, limits, 800))).isInstanceOf(Granted.class);

    long pttl = Long.parseLong(redis.command("PTTL mm:{" + dep + "}:w").substring(1));
    assertThat(pttl).isBetween(1L, 61_000L);
  }

  @Test
  void requestLimitAndRetryAfter() {
    BudgetLimits limits = new BudgetLimits(1_000_000, 3);
    for (int i = 0; i < 3; i++) {
      assertThat(await(a.reserve(dep, limits, 1))).isInstanceOf(Granted.class);
    }
    Denied d = (Denied) await(b.reserve(dep, limits, 1));
    assertThat(d.reason()).isEqualTo(Reason.REQUESTS);
    assertThat(d.retryAfterMs()).isBetween(58_000L, 60_000L);
    assertThat(d.now().requestsLeft()).isZero();
  }

  @Test
  void twoReplicasHammeringOneDeploymentNeverGrantMoreThanTheLimits() {
    BudgetLimits rpmBound = new BudgetLimits(10_000_000, 50);
    List<Future<ReserveResult>> all = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      all.add(a.reserve(dep, rpmBound, 10));
      all.add(b.reserve(dep, rpmBound, 10));
    }
    await(Future.all(all));
    assertThat(all.stream().filter(f -> f.result() instanceof Granted).count()).isEqualTo(50);
    assertThat(await(a.headroom(dep, rpmBound)).requestsUsed()).isEqualTo(50);

    String tokensDep = dep + "/tokens";
    BudgetLimits tpmBound = new BudgetLimits(1000, 1_000_000);
    List<Future<ReserveResult>> byTokens = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      byTokens.add(a.reserve(tokensDep, tpmBound, 30));
      byTokens.add(b.reserve(tokensDep, tpmBound, 30));
    }
    await(Future.all(byTokens));
    assertThat(byTokens.stream().filter(f -> f.result() instanceof Granted).count()).isEqualTo(33);
    assertThat(await(b.headroom(tokensDep, tpmBound)).tokensUsed()).isEqualTo(990);
  }

  @Test
  void anUnsettledReservationAgesOutOfTheWindow() {
    RedisBudgetStore shortA = store(vertxA, 2_000);
    RedisBudgetStore shortB = store(vertxB, 2_000);
    try {
      BudgetLimits limits = new BudgetLimits(100, 100);
      assertThat(await(shortA.reserve(dep, limits, 100))).isInstanceOf(Granted.class); // "replica A dies" now
      Denied d = (Denied) await(shortB.reserve(dep, limits, 1));
      assertThat(d.retryAfterMs()).isBetween(1L, 2_000L);
      long pttl = Long.parseLong(redis.command("PTTL mm:{" + dep + "}:w").substring(1));
      assertThat(pttl).isBetween(1L, 3_000L);

      Promise<Void> later = Promise.promise();
      vertxB.setTimer(d.retryAfterMs(), t -> later.complete());
      await(later.future());
      assertThat(await(shortB.reserve(dep, limits, 100))).isInstanceOf(Granted.class);
    } finally {
      await(shortA.close());
      await(shortB.close());
    }
  }

  @Test
  void aPauseIsSeenByTheOtherReplica() {
    BudgetLimits limits = new BudgetLimits(1000, 10);
    await(a.pause(dep, 5_000));
    Denied d = (Denied) await(b.reserve(dep, limits, 1));
    assertThat(d.reason()).isEqualTo(Reason.PAUSED);
    assertThat(d.retryAfterMs()).isBetween(4_000L, 5_000L);
    assertThat(await(b.headroom(dep, limits)).pausedForMs()).isBetween(4_000L, 5_000L);
    await(b.pause(dep, 100)); // a shorter pause keeps the longer one
    assertThat(await(a.headroom(dep, limits)).pausedForMs()).isGreaterThan(4_000L);
    assertThat(await(a.reserve(dep + "/other", limits, 1))).isInstanceOf(Granted.class);
  }

  @Test
  void observedRemainingClampsTheSharedBudget() {
    BudgetLimits limits = new BudgetLimits(1000, 10);
    await(a.reserve(dep, limits, 100));
    await(a.observeRemaining(dep, limits, 300, -1));
    Headroom h = await(b.headroom(dep, limits));
    assertThat(h.tokensUsed()).isEqualTo(700);
    assertThat(h.requestsUsed()).isEqualTo(1);
    await(b.observeRemaining(dep, limits, 900, 2));
    h = await(a.headroom(dep, limits));
    assertThat(h.tokensUsed()).isEqualTo(700);
    assertThat(h.requestsUsed()).isEqualTo(8);
    assertThat(((Denied) await(b.reserve(dep, limits, 301))).reason()).isEqualTo(Reason.TOKENS);
  }

  @Test
  void freedTokensReachOnlyAReplicaThatHasWaiters() {
    BudgetLimits limits = new BudgetLimits(1000, 10);
    Promise<Long> seenByB = Promise.promise();
    b.onFreed((id, tokens) -> seenByB.tryComplete(tokens));
    AtomicInteger seenByA = new AtomicInteger();
    a.onFreed((id, tokens) -> seenByA.incrementAndGet());

    Granted nobodyWaits = (Granted) await(a.reserve(dep, limits, 300));
    await(a.settle(nobodyWaits.reservation(), 100));
    await(b.markWaiting(dep, true));
    Granted g = (Granted) await(a.reserve(dep, limits, 800));
    await(a.settle(g.reservation(), 100));
    assertThat(await(seenByB.future())).as("the tokens free now (1,000 - 100 - 100)").isEqualTo(800);
    assertThat(seenByA.get()).as("the settling replica has no waiters").isZero();
  }

  @Test
  void settlingASlotThatLeftTheWindowChangesNothing() {
    BudgetLimits limits = new BudgetLimits(1000, 10);
    Granted g = (Granted) await(a.reserve(dep, limits, 500));
    Reservation old = new Reservation(dep, "not-in-redis", 500, g.reservation().slot() - 60, false);
    await(a.settle(old, 0));
    assertThat(await(a.headroom(dep, limits)).tokensUsed()).isEqualTo(500);
  }
}
