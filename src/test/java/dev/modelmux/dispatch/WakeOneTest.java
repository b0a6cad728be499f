package dev.modelmux.dispatch;

import static dev.modelmux.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.modelmux.budget.BudgetLimits;
import dev.modelmux.budget.LeasedBudgetStore;
import dev.modelmux.budget.ReserveResult.Granted;
import dev.modelmux.config.RedisConfig;
import dev.modelmux.testing.RedisServer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Freed budget wakes only as many waiting requests as it can serve, across replicas: two replicas (leased stores on
 * one real redis-server, each with its {@link CapacityWaiter}) hold 100 requests waiting on a full deployment, as the
 * dispatcher does (reserve; when refused, wait; when woken, reserve again). One holder gives back enough for about
 * ten: about ten are woken and served, not 100. Both ways budget comes back are tried: given back to a lease still
 * open (all 100 wait on the holder's replica, which hears it at once) and given back by a closed lease (50 wait on
 * each replica: Redis picks one waiting replica and tells it on {@code mm:freed}).
 */
class WakeOneTest {
  private static final String DEP = "full";
  private static final BudgetLimits LIMITS = new BudgetLimits(1000, 100_000);
  private static final long NEED = 90;
  private static final int WAITERS = 100;

  private final Vertx vertx = Vertx.vertx();
  private RedisServer redis;
  private final List<LeasedBudgetStore> stores = new ArrayList<>();
  private final List<CapacityWaiter> waiters = new ArrayList<>();
  private final AtomicLong[] wakes = {new AtomicLong(), new AtomicLong()};
  private final AtomicLong waitingNow = new AtomicLong();
  private final AtomicLong served = new AtomicLong();

  @BeforeEach
  void startRedis() {
    redis = RedisServer.start();
  }

  @AfterEach
  void stop() {
    for (LeasedBudgetStore s : stores) {
      await(s.close());
    }
    await(vertx.close());
    redis.stop();
  }

  private void replicas(long leaseMs) {
    RedisConfig config = RedisConfig.standalone(redis.url(), 500).withLeases(leaseMs, 30_000);
    for (int i = 0; i < 2; i++) {
      LeasedBudgetStore s = await(LeasedBudgetStore.start(vertx, config, 60_000));
      stores.add(s);
      waiters.add(new CapacityWaiter(vertx, s));
    }
  }

  /** One request on replica {@code r}, on an event loop of its own: reserve, or wait and reserve again when woken. */
  private void request(int r) {
    vertx.getOrCreateContext().runOnContext(v -> attempt(r));
  }

  private Future<Void> attempt(int r) {
    return stores.get(r).reserve(DEP, LIMITS, NEED).compose(result -> {
      if (result instanceof Granted) {
        served.incrementAndGet();
        return Future.succeededFuture();
      }
      waitingNow.incrementAndGet();
      return waiters.get(r).await(Map.of(DEP, NEED), 60_000).compose(woken -> {
        waitingNow.decrementAndGet();
        if (woken != null) {
          wakes[r].incrementAndGet();
        }
        return attempt(r);
      });
    });
  }

  /**
   * The holder takes 960 of the 1,000 tokens; then 100 requests find no room and wait, on {@code replicas} replicas
   * (the holder's first).
   */
  private Granted holderThenHundredWaiters(int replicas) {
    Granted holder = (Granted) await(stores.get(0).reserve(DEP, LIMITS, 960));
    for (int i = 0; i < WAITERS; i++) {
      request(i % replicas);
    }
    waitUntil(10_000, () -> waitingNow.get() == WAITERS);
    waitUntil(10_000, () -> redis.command("ZCARD mm:{" + DEP + "}:waiting").equals(":" + replicas));
    assertThat(served.get()).isZero();
    return holder;
  }

  /** About ten woken and served, every other request still waiting, nobody between the two. */
  private void assertAboutTenWokeAndTheRestWait(String how) {
    waitUntil(15_000, () -> served.get() >= 9 && waitingNow.get() + served.get() == WAITERS);
    long woken = wakes[0].get() + wakes[1].get();
    System.out.printf("%s: %d woken (%d on the holder's replica, %d on the other), %d served, %d still waiting; "
            + "lease calls %d and %d%n", how, woken, wakes[0].get(), wakes[1].get(), served.get(), waitingNow.get(),
        stores.get(0).leaseCalls(), stores.get(1).leaseCalls());
    assertThat(served.get()).as("waiters served by the freed budget").isBetween(9L, 11L);
    assertThat(woken).as("waiters woken").isBetween(9L, 12L);
    assertThat(waitingNow.get()).as("the rest keep waiting").isEqualTo(WAITERS - served.get());
  }

  @Test
  void budgetGivenBackToAnOpenLeaseWakesAboutTenOfAHundredWaiters() {
    replicas(10_000); // the holder's lease stays open (9 s) while the test runs
    Granted holder = holderThenHundredWaiters(1); // its replica's own waiters hear of it
    assertThat(stores.get(0).lease(DEP).getLong("heldTokens")).as("the holder's lease is open").isPositive();

    await(stores.get(0).settle(holder.reservation(), 10)); // used 10 of 960: ~950 back to the open lease

    assertAboutTenWokeAndTheRestWait("given back to an open lease");
  }

  @Test
  void budgetGivenBackByAClosedLeaseWakesAboutTenOfAHundredWaitersOnOneReplica() {
    replicas(2_000); // spent for 1 s, then closed
    long granted = System.nanoTime();
    Granted holder = holderThenHundredWaiters(2);
    // The holder's lease is spent from for a second after its grant; Redis marks it closed then, or at the settle when
    // the holder is the only request it holds (so that its tokens stay booked while it is in flight).
    waitUntil(10_000, () -> System.nanoTime() - granted > 1_500_000_000L || leaseClosedInRedis(holder));

    await(stores.get(0).settle(holder.reservation(), 10)); // the lease's correction gives ~950 back in Redis

    assertAboutTenWokeAndTheRestWait("given back by a closed lease");
  }

  private boolean leaseClosedInRedis(Granted g) {
    return redis.command("EVAL \"return tonumber(string.match(redis.call('HGET', KEYS[1], ARGV[1]) or '', '^%S+ %S+ %S+ (%d)'))\""
        + " 1 mm:{" + DEP + "}:leases " + g.reservation().id()).equals(":0");
  }

  /** Polls every 20 ms until {@code done}, failing after {@code ms}. */
  private static void waitUntil(long ms, BooleanSupplier done) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
    while (!done.getAsBoolean()) {
      assertThat(System.nanoTime()).as("condition not met within %d ms", ms).isLessThan(deadline);
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }
}
