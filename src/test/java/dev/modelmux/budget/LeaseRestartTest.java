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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * The {@link LeasedBudgetStore} when Redis loses what it held, against a real redis-server: restarted empty (the
 * replicas give back their leases, grants wait for the restore barrier), its scripts flushed, a lease call sent twice,
 * and a replica that dies holding a lease.
 */
class LeaseRestartTest {
  private RedisServer redis;
  private final List<Vertx> vertxes = new ArrayList<>();
  private final List<AutoCloseable> closers = new ArrayList<>();
  private String dep;

  @BeforeEach
  void start(TestInfo info) {
    redis = RedisServer.start();
    dep = "acct-" + info.getTestMethod().orElseThrow().getName();
  }

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : closers) {
      c.close();
    }
    vertxes.forEach(v -> await(v.close().otherwiseEmpty()));
    redis.stop();
  }

  private RedisConfig config(long leaseMs) {
    return new RedisConfig(RedisConfig.Type.STANDALONE, List.of(redis.url()), null, 500, 2_000, OptionalDouble.empty(), 3,
        RedisConfig.OnUnavailable.LOCAL_SHARE).withLeases(leaseMs, 10_000);
  }

  private Vertx vertx() {
    Vertx v = Vertx.vertx();
    vertxes.add(v);
    return v;
  }

  private LeasedBudgetStore store(RedisConfig config, long windowMs) {
    LeasedBudgetStore s = await(LeasedBudgetStore.start(vertx(), config, windowMs));
    closers.add(() -> await(s.close().otherwiseEmpty()));
    // A start that timed out on a loaded machine switches at the next heartbeat.
    assertEventually(10, () -> assertThat(s.mode()).isEqualTo("redis"));
    return s;
  }

  /** A plain view of the shared windows, as any replica's Redis sees them. */
  private RedisWindow window(long windowMs) {
    RedisWindow w = new RedisWindow(vertx(), config(5_000), windowMs);
    await(w.start());
    closers.add(() -> await(w.close().otherwiseEmpty()));
    return w;
  }

  private static List<ReserveResult> burst(LeasedBudgetStore s, String dep, BudgetLimits limits, int n, long tokens) {
    List<Future<ReserveResult>> calls = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      calls.add(s.reserve(dep, limits, tokens));
    }
    return calls.stream().map(f -> await(f)).toList();
  }

  private static long granted(List<ReserveResult> results) {
    return results.stream().filter(r -> r instanceof Granted).count();
  }

  @Test
  void aRedisRestartedEmptyIsGivenBackTheLeasesAndGrantsNothingPastTheLimit() {
    LeasedBudgetStore a = store(config(5_000), 60_000);
    LeasedBudgetStore b = store(config(5_000), 60_000);
    RedisWindow view = window(60_000);
    BudgetLimits limits = new BudgetLimits(1_000_000, 20);
    // How many must restore is what the first caller after the loss knows (heartbeats, once a second).
    assertEventually(10, () -> assertThat(List.of(a, b)).allSatisfy(s -> assertThat(s.status().getLong("replicas")).isEqualTo(2)));
    List<Future<ReserveResult>> calls = new ArrayList<>();
    for (int i = 0; i < 15; i++) {
      calls.add(a.reserve(dep, limits, 10));
      calls.add(b.reserve(dep, limits, 10));
    }
    // A lease asked ahead by one store may hold what the other was refused: it is booked, so counted as used.
    long before = granted(calls.stream().map(f -> await(f)).toList());
    assertThat(before).isBetween(10L, 20L);
    assertThat(await(view.headroom(dep, limits)).requestsUsed()).as("requests booked before the restart").isEqualTo(20);

    redis.restart(); // SIGKILL, then an empty server on the same port: no window, no epoch, no scripts
    long t0 = System.nanoTime();
    List<ReserveResult> after = new ArrayList<>();
    while (System.nanoTime() - t0 < 8_000_000_000L) {
      after.add(await(a.reserve(dep, limits, 10)));
      after.add(await(b.reserve(dep, limits, 10)));
      await(vertxes.get(0).timer(50));
    }
    long grantedAfter = granted(after);
    Headroom h = await(view.headroom(dep, limits));
    System.out.printf("restarted empty: %d granted before, %d in the 8 s after (rpm %d), %d requests in the restored window%n",
        before, grantedAfter, limits.rpm(), h.requestsUsed());
    assertThat(before + grantedAfter).as("requests granted in the minute, across the restart").isLessThanOrEqualTo(20);
    assertThat(after).filteredOn(r -> r instanceof Denied)
        .allSatisfy(r -> assertThat(((Denied) r).reason()).isIn(Reason.REQUESTS, Reason.UNAVAILABLE));
    assertThat(h.requestsUsed()).as("requests in the restored window").isBetween(before + grantedAfter, 20L);
    assertThat(h.tokensUsed()).as("the tokens spent, and those of leases open now")
        .isGreaterThanOrEqualTo(10 * (before + grantedAfter));
    assertThat(a.mode()).isEqualTo("redis");
    assertThat(a.fallbacks() + b.fallbacks()).isZero();
  }

  @Test
  void grantsWaitForTheRestoreBarrierWhileAReplicaHasNotRestored() {
    LeasedBudgetStore a = store(config(5_000), 60_000);
    RedisWindow ghost = window(60_000); // a live replica (it announces itself) that never restores anything
    vertxes.get(vertxes.size() - 1).setPeriodic(0, 500, t -> ghost.heartbeat());
    BudgetLimits limits = new BudgetLimits(1_000_000, 1_000);
    assertEventually(10, () -> assertThat(a.status().getLong("replicas")).isEqualTo(2));
    assertThat(granted(burst(a, dep, limits, 5, 10))).isEqualTo(5);

    assertThat(a.status().getLong("replicas")).isEqualTo(2);
    redis.restart();
    long t0 = System.nanoTime();
    ReserveResult r;
    int refused = 0;
    // More tokens than any lease held: each one asks Redis.
    while ((r = await(a.reserve(dep, limits, 50_000))) instanceof Denied d) {
      assertThat(d.reason()).as("refused while the window is being restored").isEqualTo(Reason.UNAVAILABLE);
      refused++;
      assertThat(System.nanoTime() - t0).as("waited for the barrier").isLessThan(20_000_000_000L);
      await(vertxes.get(0).timer(Math.max(20, d.retryAfterMs())));
    }
    long waitedMs = (System.nanoTime() - t0) / 1_000_000;
    System.out.printf("restore barrier: first grant %d ms after the restart, %d refusals meanwhile%n", waitedMs, refused);
    assertThat(((Granted) r).reservation().local()).isFalse();
    assertThat(waitedMs).as("ms until the barrier let a grant through (it lasts %d ms)", LeasedBudgetStore.RESTORE_BARRIER_MS)
        .isGreaterThanOrEqualTo(LeasedBudgetStore.RESTORE_BARRIER_MS - 1_000);
    assertThat(((Granted) r).after().requestsUsed()).as("the 5 requests from before the restart, and this one")
        .isGreaterThanOrEqualTo(6);
    assertThat(a.fallbacks()).isZero();
  }

  @Test
  void flushedScriptsAreSentAgainTransparently() {
    LeasedBudgetStore s = store(config(5_000), 60_000);
    RedisWindow view = window(60_000);
    BudgetLimits limits = new BudgetLimits(1_000_000, 1_000);
    assertThat(await(s.reserve(dep, limits, 10))).isInstanceOf(Granted.class);
    assertThat(redis.command("SCRIPT FLUSH")).isEqualTo("+OK");
    Granted g = (Granted) await(s.reserve(dep, limits, 50_000)); // asks Redis
    assertThat(g.reservation().local()).isFalse();
    assertThat(redis.command("SCRIPT FLUSH")).isEqualTo("+OK");
    await(s.pause(dep, 2_000));
    assertEventually(10, () -> assertThat(await(view.headroom(dep, limits)).pausedForMs()).isPositive());
    assertThat(s.failures()).as("failed lease calls").isZero();
    assertThat(s.mode()).isEqualTo("redis");
  }

  @Test
  void aLeaseCallSentTwiceBooksOnce() {
    RedisWindow w = window(60_000);
    BudgetLimits limits = new BudgetLimits(10_000, 100);
    LeaseCall want = new LeaseCall("", false, 100, 5, List.of(LeaseCall.Op.want("lease-1", 100, 5, 10, 1)));
    LeaseReply first = await(w.lease(dep, limits, want, 5, 1, 5_000));
    LeaseReply again = await(w.lease(dep, limits, want, 5, 1, 5_000));
    assertThat(first.code()).isZero();
    assertThat(again).extracting(LeaseReply::code, LeaseReply::leaseTokens, LeaseReply::leaseRequests, LeaseReply::leaseSlot,
        LeaseReply::tokensUsed, LeaseReply::requestsUsed).containsExactly(0, 100L, 5L, first.leaseSlot(), 100L, 5L);

    String epoch = first.epoch();
    LeaseCall close = new LeaseCall(epoch, false, 0, 0, List.of(LeaseCall.Op.set("lease-1", 40, 2)));
    for (int i = 0; i < 2; i++) {
      LeaseReply closed = await(w.lease(dep, limits, close, 5, 1, 5_000));
      assertThat(closed).extracting(LeaseReply::tokensUsed, LeaseReply::requestsUsed).containsExactly(40L, 2L);
    }
    LeaseCall restore = new LeaseCall(epoch, true, 0, 0,
        List.of(LeaseCall.Op.restore("lease-0", 30, 1, first.nowSec(), false)));
    for (int i = 0; i < 2; i++) {
      LeaseReply restored = await(w.lease(dep, limits, restore, 5, 1, 5_000));
      assertThat(restored).extracting(LeaseReply::tokensUsed, LeaseReply::requestsUsed).containsExactly(70L, 3L);
    }
    assertThat(await(w.headroom(dep, limits))).extracting(Headroom::tokensUsed, Headroom::requestsUsed)
        .containsExactly(70L, 3L);
  }

  @Test
  void aReplicaThatDiesHoldingALeaseLeavesItCountedUntilItLeavesTheWindow() {
    long windowMs = 5_000;
    long leaseMs = 4_000;
    BudgetLimits limits = new BudgetLimits(1_000_000, 20);
    Vertx doomedVertx = Vertx.vertx(); // not closed by the store: it dies without giving anything back
    LeasedBudgetStore doomed = await(LeasedBudgetStore.start(doomedVertx, config(leaseMs), windowMs));
    assertEventually(10, () -> assertThat(doomed.mode()).isEqualTo("redis"));
    long grantedAt = System.nanoTime();
    assertThat(granted(burst(doomed, dep, limits, 10, 10))).isEqualTo(10);
    assertEventually(10, () -> assertThat(doomed.lease(dep).getLong("heldRequests")).as("leased ahead, unspent").isPositive());
    RedisWindow view = window(windowMs);
    long held = await(view.headroom(dep, limits)).requestsUsed();
    await(doomedVertx.close());
    long diedAt = System.nanoTime();

    LeasedBudgetStore survivor = store(config(leaseMs), windowMs);
    assertThat(granted(burst(survivor, dep, limits, 20, 10))).as("what the dead replica held stays counted")
        .isEqualTo(20 - held);
    ReserveResult r;
    while ((r = await(survivor.reserve(dep, limits, 10))) instanceof Denied d) {
      assertThat(d.reason()).isEqualTo(Reason.REQUESTS);
      assertThat(System.nanoTime() - diedAt).isLessThan(30_000_000_000L);
      await(vertxes.get(0).timer(Math.max(20, d.retryAfterMs())));
    }
    long lostMs = (System.nanoTime() - diedAt) / 1_000_000;
    long sinceGrantMs = (System.nanoTime() - grantedAt) / 1_000_000;
    System.out.printf("replica died holding %d of %d requests (%d unspent): free again %d ms after it died, %d ms after "
        + "its lease was granted (lease %d ms, window %d ms)%n", held, limits.rpm(), held - 10, lostMs, sinceGrantMs, leaseMs,
        windowMs);
    assertThat(((Granted) r).reservation().local()).isFalse();
    assertThat(sinceGrantMs).as("ms the dead replica's lease stayed counted after it was granted")
        .isGreaterThanOrEqualTo(windowMs + leaseMs - 2_000)
        .isLessThanOrEqualTo(windowMs + leaseMs + 3_000);
    assertThat(await(view.headroom(dep, limits)).requestsUsed()).isLessThanOrEqualTo(limits.rpm());
  }
}
