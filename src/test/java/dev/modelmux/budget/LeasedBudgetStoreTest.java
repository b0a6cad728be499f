package dev.modelmux.budget;

import static dev.modelmux.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.modelmux.config.RedisConfig;
import dev.modelmux.testing.RedisServer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/** Leases against a real redis-server: exact limits over many replicas, shares by demand, few calls per request. */
class LeasedBudgetStoreTest {
  private RedisServer redis;
  private Vertx vertx;
  private String prefix;
  private final List<LeasedBudgetStore> stores = new ArrayList<>();

  @BeforeEach
  void start(TestInfo info) {
    redis = RedisServer.start();
    vertx = Vertx.vertx();
    prefix = "t" + Math.abs(info.getDisplayName().hashCode()) + ":";
  }

  @AfterEach
  void stop() {
    stores.forEach(s -> await(s.close().otherwiseEmpty()));
    await(vertx.close());
    redis.stop();
  }

  private LeasedBudgetStore store() {
    LeasedBudgetStore s = await(LeasedBudgetStore.start(vertx, RedisConfig.standalone(redis.url(), 500), 60_000, prefix,
        LeasedBudgetStore.DEFAULT_TICK_MS));
    stores.add(s);
    return s;
  }

  /** Sends {@code perRound.apply(i)} reservations from store i every 50 ms for {@code rounds}; returns grants per store. */
  private long[] hammer(List<LeasedBudgetStore> replicas, String deployment, BudgetLimits limits, long tokens, IntFunction<Integer> perRound,
      int rounds) {
    AtomicLong[] granted = new AtomicLong[replicas.size()];
    for (int i = 0; i < granted.length; i++) {
      granted[i] = new AtomicLong();
    }
    List<Future<ReserveResult>> all = new ArrayList<>();
    for (int round = 0; round < rounds; round++) {
      for (int i = 0; i < replicas.size(); i++) {
        for (int k = 0; k < perRound.apply(i); k++) {
          int replica = i;
          all.add(replicas.get(i).reserve(deployment, limits, tokens).onSuccess(r -> {
            if (r instanceof ReserveResult.Granted) {
              granted[replica].incrementAndGet();
            }
          }));
        }
      }
      await(vertx.timer(50));
    }
    all.forEach(f -> await(f));
    long[] out = new long[granted.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = granted[i].get();
    }
    return out;
  }

  @Test
  void twentyReplicasWithSkewedDemandShareTheLimitByDemandAndNeverPastIt() {
    List<LeasedBudgetStore> replicas = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      replicas.add(store());
    }
    BudgetLimits limits = new BudgetLimits(1_000_000_000, 400);
    // Replica 0 asks 10 times as often as each of the 19 others; together they ask far more than the limit.
    long[] granted = hammer(replicas, "d", limits, 10, i -> i == 0 ? 10 : 1, 60);
    long total = 0;
    for (long g : granted) {
      total += g;
    }
    double heavyDemandShare = 10.0 / (10 + 19);
    double heavyShare = (double) granted[0] / total;
    double lightShares = 0;
    for (int i = 1; i < granted.length; i++) {
      lightShares += (double) granted[i] / total;
    }
    System.out.printf("twenty replicas, skewed demand: %d granted of 400; heavy replica %.3f of it (demand share %.3f), "
        + "each light one %.3f on average (demand share %.3f); per replica %s%n", total, heavyShare, heavyDemandShare,
        lightShares / 19, 1.0 / 29, Arrays.toString(granted));
    assertThat(total).as("granted by all twenty").isLessThanOrEqualTo(400).isGreaterThanOrEqualTo(360);
    assertThat(heavyShare).as("the heavy replica's share").isBetween(heavyDemandShare * 0.9, heavyDemandShare * 1.1);
    assertThat(lightShares / 19).as("a light replica's share, on average").isBetween(0.9 / 29, 1.1 / 29);
  }

  @Test
  void threeReplicasHammeringTokensAndRequestsGrantAtMostTheLimits() {
    List<LeasedBudgetStore> replicas = List.of(store(), store(), store());
    long[] byRequests = hammer(replicas, "by-requests", new BudgetLimits(1_000_000_000, 50), 1, i -> 7, 20);
    assertThat(byRequests[0] + byRequests[1] + byRequests[2]).as("requests granted of 50").isBetween(45L, 50L);
    long[] byTokens = hammer(replicas, "by-tokens", new BudgetLimits(6_000, 1_000_000), 120, i -> 5, 20);
    assertThat((byTokens[0] + byTokens[1] + byTokens[2]) * 120).as("tokens granted of 6000").isBetween(5400L, 6000L);
  }

  @Test
  void aSteadyStreamOfReservationsCostsFewerThanOneCallInTwentyRequests() {
    LeasedBudgetStore s = store();
    BudgetLimits limits = new BudgetLimits(1_000_000_000, 10_000_000);
    int requests = 0;
    long callsAtStart = 0;
    for (int round = 0; round < 80; round++) {
      if (round == 20) {
        callsAtStart = s.leaseCalls(); // after one second of warm-up
        requests = 0;
      }
      List<Future<ReserveResult>> batch = new ArrayList<>();
      for (int k = 0; k < 20; k++) {
        batch.add(s.reserve("steady", limits, 300));
        requests++;
      }
      batch.forEach(f -> {
        ReserveResult r = await(f);
        assertThat(r).isInstanceOf(ReserveResult.Granted.class);
        await(s.settle(((ReserveResult.Granted) r).reservation(), 200));
      });
      await(vertx.timer(50));
    }
    double perRequest = (double) (s.leaseCalls() - callsAtStart) / requests;
    System.out.printf("steady stream: %d lease calls for %d requests = %.4f per request%n", s.leaseCalls() - callsAtStart,
        requests, perRequest);
    assertThat(perRequest).isLessThanOrEqualTo(0.05);
  }
}
