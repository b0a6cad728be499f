package dev.modelmux.budget;

import static dev.modelmux.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.modelmux.budget.ReserveResult.Denied;
import dev.modelmux.budget.ReserveResult.Granted;
import dev.modelmux.budget.ReserveResult.Reason;
import dev.modelmux.config.RedisConfig;
import dev.modelmux.dispatch.CapacityWaiter;
import dev.modelmux.dispatch.CapacityWaiters;
import dev.modelmux.testing.RedisCluster;
import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Leased budgets on a real Redis Cluster (three masters, one replica each): each store is one replica of the gateway,
 * on Vert.x instances of its own. Leases of 2 s (spent for 1 s), so closes come quickly. The failover test kills a
 * master, so it runs last.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RedisClusterBudgetTest {
  private static final long WINDOW_MS = 60_000;
  private static final long LEASE_MS = 2_000;
  private static final long UNAVAILABLE_AFTER_MS = 10_000;
  private static final int LOOPS = 4;
  private static final int REPLICAS = 3;

  private static RedisCluster cluster;
  private static final List<Vertx> vertxes = new ArrayList<>();
  /** Event-loop contexts of each Vert.x instance, so reservations come from several loops of each replica. */
  private static final List<List<Context>> loops = new ArrayList<>();

  private final List<BudgetStore> stores = new ArrayList<>();
  private String testName;

  @BeforeAll
  static void startCluster() {
    cluster = RedisCluster.start(1);
    for (int i = 0; i < REPLICAS; i++) {
      Vertx v = Vertx.vertx();
      vertxes.add(v);
      loops.add(eventLoops(v));
    }
  }

  @AfterAll
  static void stopCluster() {
    for (Vertx v : vertxes) {
      await(v.close());
    }
    if (cluster != null) {
      cluster.stop();
    }
  }

  @BeforeEach
  void name(TestInfo info) {
    testName = info.getTestMethod().orElseThrow().getName();
  }

  @AfterEach
  void closeStores() {
    for (BudgetStore s : stores) {
      await(s.close());
    }
  }

  private static List<Context> eventLoops(Vertx vertx) {
    List<Context> contexts = new CopyOnWriteArrayList<>();
    await(vertx.deployVerticle(() -> new VerticleBase() {
      @Override
      public Future<?> start() {
        contexts.add(context);
        return Future.succeededFuture();
      }
    }, new DeploymentOptions().setInstances(LOOPS)));
    return contexts;
  }

  private static RedisConfig config() {
    return new RedisConfig(RedisConfig.Type.CLUSTER, cluster.endpoints(), null, 250, 2000, OptionalDouble.empty(), 3,
        RedisConfig.OnUnavailable.LOCAL_SHARE).withLeases(LEASE_MS, UNAVAILABLE_AFTER_MS);
  }

  /** Replica {@code i}'s store (started on its own event loop). */
  private LeasedBudgetStore store(int i) {
    LeasedBudgetStore s = awaitOn(loop(i), () -> LeasedBudgetStore.start(vertxes.get(i), config(), WINDOW_MS));
    stores.add(s);
    assertThat(s.mode()).isEqualTo("redis");
    return s;
  }

  private static Context loop(int replica) {
    return loops.get(replica).get(0);
  }

  /** Runs {@code call} on {@code context}, an event loop, as the gateway does. */
  private static <T> Future<T> on(Context context, Supplier<Future<T>> call) {
    Promise<T> done = Promise.promise();
    context.runOnContext(v -> call.get().onComplete(done));
    return done.future();
  }

  private static <T> T awaitOn(Context context, Supplier<Future<T>> call) {
    return await(on(context, call));
  }

  /** The store's open connections stay one per event loop it was used from (plus the shared one). */
  private static void assertConnectionsBounded(BudgetStore store) {
    assertThat(store.status().getJsonObject("redis").getInteger("connections")).as("open connections of %s", store)
        .isLessThanOrEqualTo(LOOPS + 1);
  }

  private static String tag(String dep) {
    return "mm:{" + dep + "}";
  }

  private static String windowKey(String dep) {
    return tag(dep) + ":w";
  }

  /** The deployment's window as Redis holds it: every replica's leases counted as used. */
  private static Headroom shared(LeasedBudgetStore via, String dep, BudgetLimits limits) {
    return await(via.redis().headroom(dep, limits));
  }

  /** {@code count} deployment ids, unique to the calling test, whose slots are on {@code count} different masters. */
  private List<String> onDistinctMasters(String kind, int count) {
    Map<Integer, String> byMaster = new LinkedHashMap<>();
    for (int i = 0; byMaster.size() < count; i++) {
      String dep = "acct/" + testName + "/" + kind + "/" + i;
      byMaster.putIfAbsent(cluster.masterFor(windowKey(dep)), dep);
    }
    return List.copyOf(byMaster.values());
  }

  @Test
  @Order(1)
  void replicasReservingConcurrentlyGrantAtMostTheLimitOnEveryMaster() {
    List<LeasedBudgetStore> replicas = new ArrayList<>();
    for (int i = 0; i < REPLICAS; i++) {
      replicas.add(store(i));
    }
    BudgetLimits rpmBound = new BudgetLimits(1000, 40); // 10 tokens each: requests run out first
    BudgetLimits tpmBound = new BudgetLimits(1000, 100_000); // 30 tokens each: tokens run out first (33 fit)
    Map<String, BudgetLimits> deps = new LinkedHashMap<>();
    onDistinctMasters("rpm", RedisCluster.MASTERS).forEach(d -> deps.put(d, rpmBound));
    onDistinctMasters("tpm", RedisCluster.MASTERS).forEach(d -> deps.put(d, tpmBound));

    // 200 reservations per replica and deployment, all at once, from every event loop of every replica.
    Map<String, List<List<Future<ReserveResult>>>> sent = new LinkedHashMap<>();
    List<Future<ReserveResult>> all = new ArrayList<>();
    deps.keySet().forEach(d -> {
      List<List<Future<ReserveResult>>> byReplica = new ArrayList<>();
      for (int r = 0; r < REPLICAS; r++) {
        byReplica.add(new ArrayList<>());
      }
      sent.put(d, byReplica);
    });
    for (int i = 0; i < 200; i++) {
      for (Map.Entry<String, BudgetLimits> e : deps.entrySet()) {
        long tokens = e.getValue() == rpmBound ? 10 : 30;
        for (int r = 0; r < REPLICAS; r++) {
          LeasedBudgetStore s = replicas.get(r);
          Future<ReserveResult> f = on(loops.get(r).get(i % LOOPS), () -> s.reserve(e.getKey(), e.getValue(), tokens));
          sent.get(e.getKey()).get(r).add(f);
          all.add(f);
        }
      }
    }
    await(Future.all(all), 60);

    for (Map.Entry<String, BudgetLimits> e : deps.entrySet()) {
      String dep = e.getKey();
      BudgetLimits limits = e.getValue();
      boolean byRequests = limits == rpmBound;
      List<List<Granted>> granted = new ArrayList<>();
      long denied = 0;
      for (List<Future<ReserveResult>> fromReplica : sent.get(dep)) {
        List<Granted> g = new ArrayList<>();
        for (Future<ReserveResult> f : fromReplica) {
          if (f.result() instanceof Granted ok) {
            g.add(ok);
          } else {
            Denied no = (Denied) f.result();
            // Leases book tokens ahead of use, so a refusal may name either limit.
            assertThat(no.reason()).as("why a reservation on %s was refused", dep).isIn(Reason.REQUESTS, Reason.TOKENS);
            denied++;
          }
        }
        granted.add(g);
      }
      long grants = granted.stream().mapToLong(List::size).sum();
      long grantedTokens = grants * (byRequests ? 10 : 30);
      Headroom window = shared(replicas.get(0), dep, limits);
      System.out.printf("deployment %s (slot %d, master %d): %d granted (%s by replica), %d tokens; %d denied; "
              + "the window holds %d requests, %d tokens; lease calls %s%n", dep, cluster.keySlot(windowKey(dep)),
          cluster.masterFor(windowKey(dep)), grants, granted.stream().map(List::size).toList(), grantedTokens, denied,
          window.requestsUsed(), window.tokensUsed(), replicas.stream().map(LeasedBudgetStore::leaseCalls).toList());

      assertThat(grants + denied).isEqualTo(REPLICAS * 200);
      assertThat(granted.stream().flatMap(List::stream)).allSatisfy(g -> assertThat(g.reservation().local()).isFalse());
      assertThat(grants).as("requests granted on %s", dep).isLessThanOrEqualTo(limits.rpm());
      assertThat(grantedTokens).as("tokens granted on %s", dep).isLessThanOrEqualTo(limits.tpm());
      // Every grant is inside the shared window (as part of its lease), and the window never holds more than the limit.
      assertThat(window.requestsUsed()).isBetween(grants, limits.rpm());
      assertThat(window.tokensUsed()).isBetween(grantedTokens, limits.tpm());
      if (byRequests) {
        assertThat(grants).as("requests granted on %s (every lease spent)", dep).isEqualTo(limits.rpm());
      } else {
        assertThat(grantedTokens).as("tokens granted on %s: at least 90 %% used", dep).isGreaterThanOrEqualTo(900);
      }
    }

    // Give back on the requests-bound deployments: each grant settles for 4 of its 10 tokens, on the replica that holds
    // its lease. Once the leases have closed, every replica sees exactly what was used, and the requests stay used.
    for (String dep : deps.keySet()) {
      if (deps.get(dep) != rpmBound) {
        continue;
      }
      List<Future<Void>> back = new ArrayList<>();
      for (int r = 0; r < REPLICAS; r++) {
        LeasedBudgetStore s = replicas.get(r);
        for (Future<ReserveResult> f : sent.get(dep).get(r)) {
          if (f.result() instanceof Granted g) {
            back.add(on(loops.get(r).get(back.size() % LOOPS), () -> s.settle(g.reservation(), 4)));
          }
        }
      }
      await(Future.all(back));
      waitUntil(10_000, () -> {
        for (int r = 0; r < REPLICAS; r++) {
          LeasedBudgetStore s = replicas.get(r);
          Headroom seen = awaitOn(loop(r), () -> s.headroom(dep, rpmBound));
          if (seen.tokensUsed() != 40 * 4 || seen.requestsUsed() != 40) {
            return false;
          }
        }
        return true;
      });
      Denied after = (Denied) awaitOn(loop(1), () -> replicas.get(1).reserve(dep, rpmBound, 10));
      assertThat(after.reason()).isEqualTo(Reason.REQUESTS);
      assertThat(after.retryAfterMs()).isPositive();
    }
    replicas.forEach(RedisClusterBudgetTest::assertConnectionsBounded);
  }

  @Test
  @Order(2)
  void everyKeyOfADeploymentLivesInOneSlotOnTheMasterThatOwnsIt() {
    LeasedBudgetStore a = store(0);
    LeasedBudgetStore b = store(1);
    BudgetLimits limits = new BudgetLimits(1000, 40);
    for (String dep : onDistinctMasters("keys", RedisCluster.MASTERS)) {
      int slot = cluster.keySlot(windowKey(dep));
      int master = cluster.masterFor(windowKey(dep));
      Granted ga = (Granted) awaitOn(loop(0), () -> a.reserve(dep, limits, 100));
      Granted gb = (Granted) awaitOn(loop(1), () -> b.reserve(dep, limits, 100));
      assertThat(gb.reservation().id()).isNotEqualTo(ga.reservation().id());
      String lease = (String) cluster.command(master, "HGET", tag(dep) + ":leases", ga.reservation().id());
      assertThat(lease).as("A's lease record").startsWith(ga.reservation().slot() + " ").endsWith(" 1 " + a.redis().instanceId());

      // The master loses this deployment's window (as a master restarted empty would): A's next call finds the epoch gone,
      // restores its leases and the restore barrier holds grants back until B has restored too.
      assertThat(cluster.command(master, "DEL", windowKey(dep), tag(dep) + ":leases", tag(dep) + ":epoch")).isEqualTo(3L);
      awaitOn(loop(0), () -> a.reserve(dep, limits, 500)); // does not fit A's lease: a call
      List<String> keys = new ArrayList<>(List.of(tag(dep) + ":barrier", tag(dep) + ":restored"));
      assertExistOn(master, slot, keys);

      b.waiting(dep, true);
      awaitOn(loop(0), () -> a.pause(dep, 5_000));
      keys.addAll(List.of(windowKey(dep), tag(dep) + ":leases", tag(dep) + ":epoch", tag(dep) + ":demand", tag(dep) + ":pause",
          tag(dep) + ":waiting"));
      assertExistOn(master, slot, keys);
      assertThat(cluster.command(master, "HEXISTS", tag(dep) + ":leases", ga.reservation().id())).as("A's lease, restored")
          .isEqualTo(1L);
      for (int elsewhere : cluster.masters()) {
        if (elsewhere != master) {
          assertThat(cluster.command(elsewhere, "EXISTS", windowKey(dep)))
              .isEqualTo(new RedisCluster.Error("MOVED " + slot + " 127.0.0.1:" + master));
        }
      }
    }
  }

  private static void assertExistOn(int master, int slot, List<String> keys) {
    for (String key : keys) {
      assertThat(cluster.keySlot(key)).as("slot of %s", key).isEqualTo(slot);
    }
    waitUntil(5_000, () -> keys.stream().allMatch(k -> Long.valueOf(1).equals(cluster.command(master, "EXISTS", k))));
  }

  @Test
  @Order(3)
  void budgetAClosedLeaseGaveBackWakesAWaitingReplicaAcrossTheCluster() {
    LeasedBudgetStore a = store(0);
    LeasedBudgetStore b = store(1);
    BudgetLimits limits = new BudgetLimits(1000, 40);
    // B subscribes through the first endpoint; a deployment on another master makes the PUBLISH cross the cluster bus.
    int subscriberNode = cluster.endpoints().get(0).getPort();
    String dep = onDistinctMasters("freed", RedisCluster.MASTERS).stream()
        .filter(d -> cluster.masterFor(windowKey(d)) != subscriberNode).findFirst().orElseThrow();
    int master = cluster.masterFor(windowKey(dep));
    assertThat(b.redis().subscribed()).isTrue();

    List<String> heardByB = new CopyOnWriteArrayList<>();
    b.onFreed((id, tokens) -> heardByB.add(id + " " + tokens));
    AtomicLong heardByA = new AtomicLong();
    a.onFreed((id, tokens) -> heardByA.incrementAndGet());

    // A request on B waits for 500 tokens; B's CapacityWaiter tells the store, which records B in the waiting set.
    CapacityWaiter waiterB = new CapacityWaiter(vertxes.get(1), b);
    Future<String> woken = on(loop(1), () -> CapacityWaiters.await(waiterB, Map.of(dep, 500L), 30_000));
    waitUntil(5_000, () -> cluster.command(master, "ZSCORE", tag(dep) + ":waiting", b.redis().instanceId()) != null);

    Granted g = (Granted) awaitOn(loop(0), () -> a.reserve(dep, limits, 800));
    awaitOn(loop(0), () -> a.settle(g.reservation(), 100));
    long settled = System.nanoTime();
    assertThat(await(woken)).as("the deployment that woke B's waiter").isEqualTo(dep);
    long wokenMs = (System.nanoTime() - settled) / 1_000_000;
    System.out.printf("freed budget on %s (master %d) woke B's waiter (subscribed via %d) %d ms after the settle "
        + "(the lease closes a second after its grant); B heard %s%n", dep, master, subscriberNode, wokenMs, heardByB);
    // What is free once the lease closed at 100 tokens: 900, less a refill A may have leased in the same call.
    assertThat(heardByB).hasSize(1);
    String[] heard = heardByB.get(0).split(" ");
    assertThat(heard[0]).isEqualTo(dep);
    assertThat(Long.parseLong(heard[1])).as("tokens free when announced").isBetween(820L, 900L);
    assertThat(heardByA.get()).as("the replica that gave budget back has no waiters").isZero();

    // B's waiter left: B is out of the waiting set, and a lease closing with budget to give back tells nobody.
    waitUntil(5_000, () -> cluster.command(master, "ZSCORE", tag(dep) + ":waiting", b.redis().instanceId()) == null);
    heardByB.clear();
    Granted quiet = (Granted) awaitOn(loop(0), () -> a.reserve(dep, limits, 100));
    awaitOn(loop(0), () -> a.settle(quiet.reservation(), 0));
    waitUntil(5_000, () -> closedAtZeroTokens(master, dep, quiet.reservation().id()));
    // A marker published on the same master after that close reaches B after anything the close published.
    cluster.command(master, "PUBLISH", "mm:freed", b.redis().instanceId() + " marker 0");
    waitUntil(5_000, () -> heardByB.contains("marker 0"));
    assertThat(heardByB).as("announcements B heard while it did not wait").containsExactly("marker 0");

    // B waits again: the next lease that gives budget back wakes it.
    Future<String> again = on(loop(1), () -> CapacityWaiters.await(waiterB, Map.of(dep, 100L), 30_000));
    waitUntil(5_000, () -> cluster.command(master, "ZSCORE", tag(dep) + ":waiting", b.redis().instanceId()) != null);
    Granted control = (Granted) awaitOn(loop(0), () -> a.reserve(dep, limits, 100));
    awaitOn(loop(0), () -> a.settle(control.reservation(), 0));
    assertThat(await(again)).isEqualTo(dep);
    assertThat(heardByA.get()).isZero();
  }

  /** The lease's record on its master says it was closed having kept no tokens. */
  private static boolean closedAtZeroTokens(int master, String dep, String leaseId) {
    Object rec = cluster.command(master, "HGET", tag(dep) + ":leases", leaseId);
    if (!(rec instanceof String s)) {
      return false;
    }
    String[] f = s.split(" ");
    return f[1].equals("0") && f[3].equals("0");
  }

  /**
   * Calls made off the event loops (here: the test thread) share the store's connection. Each completes on a fresh
   * Vert.x context, and the EVAL that a node which does not know the script asks for is sent from there: connections
   * are kept per event-loop thread, not per context, so that EVAL goes out on an existing connection instead of
   * opening (and leaking) a cluster connection per context, which once exhausted the client's pool.
   */
  @Test
  @Order(4)
  void callsFromOffTheEventLoopShareTheStoresConnections() {
    LeasedBudgetStore a = await(LeasedBudgetStore.start(vertxes.get(0), config(), WINDOW_MS)); // as a main thread starts it
    stores.add(a);
    String dep = onDistinctMasters("offloop", 1).get(0);
    BudgetLimits limits = new BudgetLimits(1000, 40);
    assertThat(cluster.command(cluster.masterFor(windowKey(dep)), "SCRIPT", "FLUSH")).isEqualTo("OK"); // as a new node
    List<Future<Headroom>> reads = new ArrayList<>();
    for (int i = 0; i < 20; i++) { // from the test thread too
      reads.add(a.headroom(dep, limits));
    }
    await(Future.all(reads));
    assertThat(a.failures()).isZero();
    assertConnectionsBounded(a);
  }

  /** One reserve the traffic sent during the failover test, and how it went. */
  private record Sent(long atMs, long tookMs, ReserveResult result, Throwable failure, boolean redisUp) {}

  @Test
  @Order(100)
  void aFailoverOfTheMasterOwningADeploymentNeverStopsAnswersNorGrantsPastTheLimit() throws Exception {
    BudgetLimits limits = new BudgetLimits(1_000_000, 12); // reached during the test: leases hold it all
    Context loop = loop(0);
    Vertx vertx = vertxes.get(0);
    LeasedBudgetStore store = store(0);
    String dep = onDistinctMasters("failover", 1).get(0);
    int master = cluster.masterFor(windowKey(dep));
    int replica = cluster.replicaOf(master);
    List<Boolean> transitions = new CopyOnWriteArrayList<>();
    store.onAvailabilityChange(transitions::add);

    for (int i = 0; i < 4; i++) {
      Granted g = (Granted) awaitOn(loop, () -> store.reserve(dep, limits, 10));
      assertThat(g.reservation().local()).isFalse();
    }

    // Traffic: one reserve every 250 ms on an event loop (the timer's), through the failover and after it.
    long start = System.nanoTime();
    ConcurrentLinkedQueue<Sent> sent = new ConcurrentLinkedQueue<>();
    AtomicLong issued = new AtomicLong();
    AtomicBoolean stopped = new AtomicBoolean();
    long timer = awaitOn(loop, () -> Future.succeededFuture(vertx.setPeriodic(250, id -> {
      if (stopped.get()) {
        return;
      }
      issued.incrementAndGet();
      long t = System.nanoTime();
      store.reserve(dep, limits, 10).onComplete(ar -> sent.add(new Sent((t - start) / 1_000_000,
          (System.nanoTime() - t) / 1_000_000, ar.result(), ar.cause(), store.redisAvailable())));
    })));

    long killedAt = System.nanoTime();
    long killedAtMs = (killedAt - start) / 1_000_000;
    CompletableFuture<Integer> promoted = CompletableFuture.supplyAsync(() -> cluster.killMasterAndWaitForPromotion(windowKey(dep)));
    int newMaster = promoted.get(30, TimeUnit.SECONDS);
    long promotedMs = (System.nanoTime() - killedAt) / 1_000_000;
    assertThat(newMaster).isEqualTo(replica);
    assertThat(cluster.masterFor(windowKey(dep))).isEqualTo(replica);

    // Back on Redis within 15 s of the kill: a reservation sent after the promotion was answered by Redis (a grant
    // from a lease, or a refusal because the leases hold the whole limit), and the store's connection reads the
    // window from the new master.
    long promotedAtMs = killedAtMs + promotedMs;
    waitUntil(15_000 - promotedMs, () -> store.redisAvailable() && sent.stream().anyMatch(s -> s.atMs() > promotedAtMs
        && (s.result() instanceof Granted g && !g.reservation().local()
            || s.result() instanceof Denied d && d.reason() == Reason.REQUESTS))
        && store.redis().headroom(dep, limits).timeout(1, TimeUnit.SECONDS).map(true).otherwise(false)
            .toCompletionStage().toCompletableFuture().join());
    long backMs = (System.nanoTime() - killedAt) / 1_000_000;
    awaitOn(loop, () -> { // on the timer's loop: no reserve is issued after this
      stopped.set(true);
      vertx.cancelTimer(timer);
      return Future.succeededFuture();
    });
    waitUntil(UNAVAILABLE_AFTER_MS + 2_000, () -> sent.size() == issued.get());
    assertThat(store.mode()).isEqualTo("redis");

    List<Sent> all = new ArrayList<>(sent);
    assertThat(all).as("every reserve answered").hasSize((int) issued.get())
        .allSatisfy(s -> assertThat(s.result()).isNotNull());
    long slowest = all.stream().mapToLong(Sent::tookMs).max().orElse(0);
    long redisGrants = 4 + all.stream().filter(s -> s.result() instanceof Granted g && !g.reservation().local()).count();
    long localGrants = all.stream().filter(s -> s.result() instanceof Granted g && g.reservation().local()).count();
    long denials = all.stream().filter(s -> s.result() instanceof Denied).count();
    System.out.printf("failover of master %d (deployment %s) to %d: promoted after %d ms, store back on Redis after %d ms; "
            + "availability transitions %s; %d reserves during the test: %d granted from leases, %d locally, %d denied %s; "
            + "slowest answer %d ms; store failures %d, fallbacks %d, lease calls %d%n",
        master, dep, replica, promotedMs, backMs, transitions, all.size() + 4, redisGrants, localGrants, denials,
        all.stream().filter(s -> s.result() instanceof Denied).map(s -> ((Denied) s.result()).reason()).distinct().toList(),
        slowest, store.failures(), store.fallbacks(), store.leaseCalls());

    // A reservation that does not fit what the replica holds waits for Redis, never past unavailable_after_ms.
    assertThat(slowest).as("slowest answer, ms").isLessThan(UNAVAILABLE_AFTER_MS + 1_000);
    assertThat(redisGrants + localGrants).as("grants in the window").isLessThanOrEqualTo(limits.rpm());
    // The new master's window holds every grant (and what this replica holds unspent): nothing was lost in the failover.
    waitUntil(10_000, () -> {
      long held = store.lease(dep).getLong("heldRequests");
      Headroom window = shared(store, dep, limits);
      return window.requestsUsed() == redisGrants + localGrants + held && store.lease(dep).getLong("heldRequests") == held;
    });
    assertConnectionsBounded(store);
  }

  /** Polls every 20 ms until {@code done}, failing after {@code ms}. */
  private static void waitUntil(long ms, BooleanSupplier done) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Math.max(0, ms));
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
