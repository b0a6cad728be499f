package dev.modelmux.budget;

import static dev.modelmux.testing.Await.await;
import static dev.modelmux.testing.Eventually.assertEventually;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.modelmux.budget.ReserveResult.Denied;
import dev.modelmux.budget.ReserveResult.Granted;
import dev.modelmux.budget.ReserveResult.Reason;
import dev.modelmux.config.RedisConfig;
import dev.modelmux.testing.CapturedLogs;
import dev.modelmux.testing.RedisServer;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * The {@link LeasedBudgetStore} against a real, password-protected redis-server that answers, is frozen (SIGSTOP: a
 * slow answer), is killed (connections refused) or is down at start: budgets shared while it answers, a frozen Redis
 * waited for (held leases spent at once, nothing granted locally), a lost one replaced by the local share (or a
 * refusal) after {@code unavailable_after_ms}, and what was granted meanwhile written back when it returns.
 */
class LeaseOutageTest {
  static final String PASSWORD = "s3cret-Pa55";

  private RedisServer redis;
  private CapturedLogs logs;
  private final List<Vertx> vertxes = new ArrayList<>();
  private final List<LeasedBudgetStore> stores = new ArrayList<>();
  private String dep;

  @BeforeEach
  void start(TestInfo info) {
    logs = CapturedLogs.attach();
    redis = RedisServer.start(PASSWORD);
    dep = "acct-" + info.getTestMethod().orElseThrow().getName();
  }

  @AfterEach
  void stop() {
    redis.stop(); // first, so a store closing does not wait on a frozen server
    stores.forEach(s -> await(s.close().otherwiseEmpty()));
    vertxes.forEach(v -> await(v.close()));
    logs.detach();
    assertThat(logs.events).noneSatisfy(e -> assertThat(e.getFormattedMessage()).contains(PASSWORD));
  }

  /** Three failed calls and {@code unavailableAfterMs} without an answer declare Redis unavailable. */
  private RedisConfig config(long leaseMs, long unavailableAfterMs) {
    return new RedisConfig(RedisConfig.Type.STANDALONE, List.of(redis.url()), null, 500, 2_000, OptionalDouble.of(0.5), 3,
        RedisConfig.OnUnavailable.LOCAL_SHARE).withLeases(leaseMs, unavailableAfterMs);
  }

  private LeasedBudgetStore store(RedisConfig config) {
    Vertx vertx = Vertx.vertx();
    vertxes.add(vertx);
    LeasedBudgetStore s = await(LeasedBudgetStore.start(vertx, config, 60_000));
    stores.add(s);
    if (redis.running()) { // a start that timed out on a loaded machine switches at the next heartbeat
      assertEventually(10, () -> assertThat(s.mode()).isEqualTo("redis"));
    }
    return s;
  }

  private List<ILoggingEvent> storeLogs(Level level) {
    return storeLogs(level, 0);
  }

  private List<ILoggingEvent> storeLogs(Level level, long sinceMillis) {
    return logs.events.stream().filter(e -> e.getLoggerName().equals(LeasedBudgetStore.class.getName())
        && e.getLevel() == level && e.getTimeStamp() >= sinceMillis).toList();
  }

  private static Promise<Void> whenAvailable(LeasedBudgetStore s, boolean wanted) {
    Promise<Void> p = Promise.promise();
    s.onAvailabilityChange(now -> {
      if (now == wanted) {
        p.tryComplete();
      }
    });
    return p;
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
  void twoStoresOnOneRedisNeverGrantPastTheLimitTogether() {
    LeasedBudgetStore a = store(config(5_000, 10_000));
    LeasedBudgetStore b = store(config(5_000, 10_000));
    BudgetLimits limits = new BudgetLimits(1_000, 10);
    List<Future<ReserveResult>> calls = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      calls.add(a.reserve(dep, limits, 10));
      calls.add(b.reserve(dep, limits, 10));
    }
    List<ReserveResult> results = calls.stream().map(f -> await(f)).toList();
    assertThat(results).filteredOn(r -> r instanceof Granted)
        .allSatisfy(r -> assertThat(((Granted) r).reservation().local()).isFalse());
    // A lease one store asked ahead may hold what the other was refused: booked, so counted as used until it closes.
    assertThat(granted(results)).as("requests granted by both stores, rpm 10").isBetween(5L, 10L);
    assertThat(results).filteredOn(r -> r instanceof Denied)
        .allSatisfy(r -> assertThat(((Denied) r).reason()).isEqualTo(Reason.REQUESTS));
    Headroom shared = await(b.redis().headroom(dep, limits));
    assertThat(shared.requestsUsed()).as("requests booked in the shared window").isEqualTo(10);
    assertThat(shared.tokensUsed()).as("tokens booked: the 100 spent, and what open leases hold").isBetween(100L, 1_000L);
    assertThat(a.mode()).isEqualTo("redis");
    assertThat(a.status().getJsonObject("redis").getBoolean("available")).isTrue();
    assertThat(a.status().encode()).doesNotContain(PASSWORD);
    assertThat(a.fallbacks() + b.fallbacks()).isZero();
  }

  @Test
  void aFrozenRedisIsWaitedForNotDeclaredUnavailable() {
    LeasedBudgetStore s = store(config(10_000, 10_000));
    BudgetLimits limits = new BudgetLimits(1_000_000, 1_000);
    List<Boolean> transitions = new ArrayList<>();
    s.onAvailabilityChange(transitions::add);
    assertThat(granted(burst(s, dep, limits, 20, 10))).isEqualTo(20);
    // The demand just seen makes the store lease ahead: it holds requests nobody has asked for yet.
    assertEventually(10, () -> assertThat(s.lease(dep).getLong("heldRequests")).isGreaterThanOrEqualTo(2));
    long heldTokens = s.lease(dep).getLong("heldTokens");

    redis.freeze();
    long frozenAt = System.nanoTime();
    Future<ReserveResult> fits = s.reserve(dep, limits, 1);
    assertThat(fits.isComplete()).as("a reservation that fits in a held lease needs no network").isTrue();
    assertThat(((Granted) fits.result()).reservation().local()).isFalse();
    Future<ReserveResult> tooBig = s.reserve(dep, limits, heldTokens + 1);
    await(vertxes.get(0).timer(1_500));
    assertThat(tooBig.isComplete()).as("one that does not fit waits for Redis").isFalse();
    assertThat(s.mode()).isEqualTo("redis");
    redis.thaw();
    long frozenMs = (System.nanoTime() - frozenAt) / 1_000_000;

    Granted late = (Granted) await(tooBig);
    assertThat(late.reservation().local()).isFalse();
    assertThat(s.mode()).isEqualTo("redis");
    assertThat(transitions).as("availability transitions").isEmpty();
    assertThat(s.fallbacks()).as("reservations answered locally").isZero();
    System.out.printf("frozen %d ms: no local grant, mode %s, lease calls %d%n", frozenMs, s.mode(), s.leaseCalls());
  }

  @Test
  void aKilledRedisIsReplacedByTheLocalShareAndWhatItGrantedIsWrittenBackWhenItReturns() {
    LeasedBudgetStore s = store(config(2_000, 500));
    LeasedBudgetStore other = store(config(2_000, 500));
    BudgetLimits limits = new BudgetLimits(1_000, 40);
    Promise<Void> down = whenAvailable(s, false);
    Promise<Void> up = whenAvailable(s, true);
    long grantedTokens = 0;
    long grantedRequests = 0;
    for (ReserveResult r : burst(s, dep, limits, 5, 10)) {
      grantedTokens += ((Granted) r).reservation().tokens();
      grantedRequests++;
    }

    long killedAt = System.currentTimeMillis();
    redis.kill();
    int local = 0;
    for (int i = 0; i < 40 && local < 3; i++) {
      // What is held is spent first; an ask waiting for Redis when it is declared unavailable may be refused.
      ReserveResult r = await(s.reserve(dep, limits, 10));
      if (r instanceof Denied d) {
        assertThat(d.reason()).isEqualTo(Reason.UNAVAILABLE);
        continue;
      }
      Granted g = (Granted) r;
      grantedTokens += g.reservation().tokens();
      grantedRequests++;
      local += g.reservation().local() ? 1 : 0;
    }
    assertThat(local).isEqualTo(3);
    assertThat(down.future().isComplete()).isTrue();
    assertThat(s.mode()).isEqualTo("local-fallback");
    assertThat(s.status().getJsonObject("redis").getBoolean("available")).isFalse();
    assertThat(s.fallbacks()).isEqualTo(3);
    List<ILoggingEvent> warns = storeLogs(Level.WARN, killedAt);
    assertThat(warns).hasSize(1);
    assertThat(warns.get(0).getFormattedMessage()).contains("127.0.0.1:" + redis.port()).contains("unavailable")
        .doesNotContain(PASSWORD);

    redis.restart(); // empty: the leases are restored and the local grants written back
    await(up.future());
    assertThat(s.mode()).isEqualTo("redis");
    assertThat(storeLogs(Level.INFO)).anySatisfy(e -> assertThat(e.getFormattedMessage()).contains("available again"));
    long tokens = grantedTokens;
    long requests = grantedRequests;
    // Leases asked ahead close within 2 s; once demand is gone the window holds exactly what was granted.
    assertEventually(30, () -> {
      Headroom h = await(other.headroom(dep, limits));
      assertThat(h.tokensUsed()).as("tokens in the shared window, as another replica sees it").isEqualTo(tokens);
      assertThat(h.requestsUsed()).isEqualTo(requests);
    });
  }

  @Test
  void theLocalShareIsOfWhatWasLeftInTheSharedWindow() {
    LeasedBudgetStore s = store(config(2_000, 500));
    LeasedBudgetStore other = store(config(2_000, 500));
    BudgetLimits limits = new BudgetLimits(1_000_000, 40);
    assertThat(granted(burst(other, dep, limits, 20, 10))).isEqualTo(20);
    await(other.close()); // its unspent leases go back; its 20 requests stay in the window
    assertThat(await(s.reserve(dep, limits, 10))).isInstanceOf(Granted.class); // s hears the window's usage

    redis.kill();
    int local = 0;
    for (int i = 0; i < 60; i++) {
      ReserveResult r = await(s.reserve(dep, limits, 10));
      if (r instanceof Granted g && g.reservation().local()) {
        local++;
      }
    }
    assertThat(s.mode()).isEqualTo("local-fallback");
    System.out.printf("local share after the other replica spent 20 of rpm 40: %d granted locally%n", local);
    assertThat(local).as("local grants: half of the 40 - 20 - 1 requests left, not half of the limit")
        .isLessThanOrEqualTo(10).isPositive();
  }

  @Test
  void failClosedRefusesInsteadOfGrantingLocally() {
    LeasedBudgetStore s = store(config(2_000, 500).withOnUnavailable(RedisConfig.OnUnavailable.FAIL_CLOSED));
    BudgetLimits limits = new BudgetLimits(1_000, 40);
    long killedAt = System.currentTimeMillis();
    redis.kill();
    Denied first = (Denied) await(s.reserve(dep, limits, 10));
    assertThat(first.reason()).isEqualTo(Reason.UNAVAILABLE);
    assertThat(first.retryAfterMs()).isPositive();
    assertEventually(10, () -> assertThat(s.mode()).isEqualTo("local-fallback"));
    Future<ReserveResult> next = s.reserve(dep, limits, 10);
    assertThat(next.isComplete()).as("refused at once while unavailable").isTrue();
    assertThat(((Denied) next.result()).reason()).isEqualTo(Reason.UNAVAILABLE);
    assertThat(s.local().headroomNow(dep, limits).requestsUsed()).as("nothing granted locally").isZero();
    assertThat(s.fallbacks()).as("the refusal at once, and the waiting one if it was answered as a fallback").isBetween(1L, 2L);
    assertThat(storeLogs(Level.WARN, killedAt)).singleElement()
        .satisfies(e -> assertThat(e.getFormattedMessage()).contains("fail_closed"));
  }

  @Test
  void startsWhileRedisIsDownAnswersLocallyAfterUnavailableAfterMsAndSwitchesWhenItArrives() {
    redis.kill();
    LeasedBudgetStore s = store(config(2_000, 500));
    BudgetLimits limits = new BudgetLimits(1_000, 40);
    assertThat(s.mode()).as("a Redis that does not answer at start is waited for, not taken for lost").isEqualTo("redis");
    // The reservation waits for its lease call; after 500 ms of refused connections the local share answers it.
    Granted g = (Granted) await(s.reserve(dep, limits, 10));
    assertThat(g.reservation().local()).isTrue();
    assertThat(s.mode()).isEqualTo("local-fallback");
    assertThat(storeLogs(Level.WARN)).isNotEmpty().allSatisfy(e -> assertThat(e.getFormattedMessage())
        .contains("127.0.0.1:" + redis.port()).doesNotContain(PASSWORD));

    Promise<Void> up = whenAvailable(s, true);
    redis.restart();
    await(up.future());
    assertThat(((Granted) await(s.reserve(dep, limits, 10))).reservation().local()).isFalse();
    assertEventually(10, () -> assertThat(s.status().getJsonObject("redis").getBoolean("subscribed"))
        .as("subscribed to the freed channel").isTrue());
    assertEventually(10, () -> assertThat(await(s.redis().headroom(dep, limits)).requestsUsed())
        .as("the local grant written back, beside the leases").isGreaterThanOrEqualTo(2));
  }

  @Test
  void pausesAndProviderSignalsReachTheAllowanceAndRedisWithoutBeingAwaited() {
    LeasedBudgetStore s = store(config(5_000, 10_000));
    BudgetLimits limits = new BudgetLimits(1_000, 40);
    String observed = dep + "-observed";
    assertThat(await(s.reserve(dep, limits, 10))).isInstanceOf(Granted.class);
    assertThat(await(s.reserve(observed, limits, 10))).isInstanceOf(Granted.class);

    redis.freeze();
    try {
      assertThat(s.pause(dep, 5_000).isComplete()).as("a pause is not awaited").isTrue();
      assertThat(s.observeRemaining(observed, limits, 0, -1).isComplete()).as("nor a provider's remaining").isTrue();
      Future<ReserveResult> paused = s.reserve(dep, limits, 1);
      assertThat(paused.isComplete()).as("paused here, without asking Redis").isTrue();
      assertThat(((Denied) paused.result()).reason()).isEqualTo(Reason.PAUSED);
      assertThat(s.local().headroomNow(observed, limits).tokensLeft()).as("the local share knows the provider's count")
          .isZero();
    } finally {
      redis.thaw();
    }
    assertEventually(10, () -> {
      assertThat(await(s.redis().headroom(dep, limits)).pausedForMs()).as("the pause shared through Redis").isPositive();
      assertThat(await(s.redis().headroom(observed, limits)).tokensUsed()).isEqualTo(1_000);
    });
    ReserveResult r = await(s.reserve(observed, limits, 500));
    assertThat(((Denied) r).reason()).isEqualTo(Reason.TOKENS);
  }
}
