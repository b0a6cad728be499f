package dev.modelmux.budget;

import static dev.modelmux.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.modelmux.budget.ReserveResult.Denied;
import dev.modelmux.budget.ReserveResult.Granted;
import dev.modelmux.budget.ReserveResult.Reason;
import dev.modelmux.config.RedisConfig;
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
 * The budget store on a real Redis Cluster (three masters, one replica each): two Vert.x instances are two replicas of
 * the gateway. The failover test kills a master, so it runs last.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RedisClusterBudgetTest {
  private static final long WINDOW_MS = 60_000;
  private static final int LOOPS = 4;

  private static RedisCluster cluster;
  private static Vertx vertxA;
  private static Vertx vertxB;
  /** Event-loop contexts of each Vert.x instance, so calls go out on several of each store's connections. */
  private static List<Context> loopsA;
  private static List<Context> loopsB;

  private final List<BudgetStore> stores = new ArrayList<>();
  private String testName;

  @BeforeAll
  static void startCluster() {
    cluster = RedisCluster.start(1);
    vertxA = Vertx.vertx();
    vertxB = Vertx.vertx();
    loopsA = eventLoops(vertxA);
    loopsB = eventLoops(vertxB);
  }

  @AfterAll
  static void stopCluster() {
    if (vertxA != null) {
      await(vertxA.close());
    }
    if (vertxB != null) {
      await(vertxB.close());
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
        RedisConfig.OnUnavailable.LOCAL_SHARE);
  }

  /** A store started on {@code loop}, the event loop its calls will be made from. */
  private RedisBudgetStore redisStore(Vertx vertx, Context loop) {
    RedisBudgetStore s = new RedisBudgetStore(vertx, config(), WINDOW_MS);
    stores.add(s);
    await(on(loop, s::start));
    return s;
  }

  /**
   * Runs {@code call} on {@code context}, an event loop, as the gateway does: the store uses that loop's pipelined
   * connection. (Called from the test thread instead, a store opens one more connection per call that meets a script
   * the node did not know: see {@link #callsFromOffTheEventLoopShareTheStoresConnections}.)
   */
  private static <T> Future<T> on(Context context, Supplier<Future<T>> call) {
    Promise<T> done = Promise.promise();
    context.runOnContext(v -> call.get().onComplete(done));
    return done.future();
  }

  private static <T> T awaitOn(Context context, Supplier<Future<T>> call) {
    return await(on(context, call));
  }

  /** The store's open connections stay one per event loop it was used from (plus the one it started with). */
  private static void assertConnectionsBounded(BudgetStore store) {
    assertThat(store.status().getJsonObject("redis").getInteger("connections")).as("open connections of %s", store)
        .isLessThanOrEqualTo(LOOPS + 1);
  }

  private static String windowKey(String dep) {
    return "mm:{" + dep + "}:w";
  }

  /** {@code count} deployment ids, unique to the calling test, whose slots are on {@code count} different masters. */
  private List<String> onDistinctMasters(int count) {
    Map<Integer, String> byMaster = new LinkedHashMap<>();
    for (int i = 0; byMaster.size() < count; i++) {
      String dep = "acct/" + testName + "/" + i;
      byMaster.putIfAbsent(cluster.masterFor(windowKey(dep)), dep);
    }
    return List.copyOf(byMaster.values());
  }

  @Test
  @Order(1)
  void twoReplicasReservingConcurrentlyGrantExactlyTheLimitOnEveryMaster() {
    RedisBudgetStore a = redisStore(vertxA, loopsA.get(0));
    RedisBudgetStore b = redisStore(vertxB, loopsB.get(0));
    BudgetLimits limits = new BudgetLimits(1000, 40);
    List<String> deps = onDistinctMasters(RedisCluster.MASTERS);
    Context loopA = loopsA.get(0);
    Context loopB = loopsB.get(0);

    Map<String, List<Future<ReserveResult>>> fromA = new LinkedHashMap<>();
    Map<String, List<Future<ReserveResult>>> fromB = new LinkedHashMap<>();
    for (String dep : deps) {
      fromA.put(dep, new ArrayList<>());
      fromB.put(dep, new ArrayList<>());
    }
    for (int i = 0; i < 200; i++) {
      for (String dep : deps) {
        fromA.get(dep).add(on(loopsA.get(i % LOOPS), () -> a.reserve(dep, limits, 10)));
        fromB.get(dep).add(on(loopsB.get(i % LOOPS), () -> b.reserve(dep, limits, 10)));
      }
    }
    List<Future<ReserveResult>> all = new ArrayList<>();
    fromA.values().forEach(all::addAll);
    fromB.values().forEach(all::addAll);
    await(Future.all(all));

    for (String dep : deps) {
      List<Granted> granted = new ArrayList<>();
      long grantedA = 0;
      for (Future<ReserveResult> f : fromA.get(dep)) {
        if (f.result() instanceof Granted g) {
          granted.add(g);
          grantedA++;
        }
      }
      for (Future<ReserveResult> f : fromB.get(dep)) {
        if (f.result() instanceof Granted g) {
          granted.add(g);
        }
      }
      List<Denied> denied = new ArrayList<>();
      List<Future<ReserveResult>> answers = new ArrayList<>(fromA.get(dep));
      answers.addAll(fromB.get(dep));
      for (Future<ReserveResult> f : answers) {
        if (f.result() instanceof Denied d) {
          denied.add(d);
        }
      }
      System.out.printf("deployment %s (slot %d, master %d): %d granted (A %d, B %d), %d denied%n", dep,
          cluster.keySlot(windowKey(dep)), cluster.masterFor(windowKey(dep)), granted.size(), grantedA,
          granted.size() - grantedA, denied.size());

      assertThat(granted).as("grants on %s", dep).hasSize(40);
      assertThat(granted).allSatisfy(g -> assertThat(g.reservation().local()).isFalse());
      assertThat(granted.stream().map(g -> g.reservation().id()).distinct()).hasSize(40);
      assertThat(denied).as("denials on %s", dep).hasSize(360)
          .allSatisfy(d -> assertThat(d.reason()).isEqualTo(Reason.REQUESTS));

      Headroom seenByA = awaitOn(loopA, () -> a.headroom(dep, limits));
      Headroom seenByB = awaitOn(loopB, () -> b.headroom(dep, limits));
      assertThat(seenByA).isEqualTo(seenByB);
      assertThat(seenByA.tokensUsed()).isEqualTo(400);
      assertThat(seenByA.requestsUsed()).isEqualTo(40);

      // Give back: two are released (never sent), the other 38 settle for 4 tokens each, half by each replica.
      List<Future<Void>> back = new ArrayList<>();
      for (int i = 0; i < granted.size(); i++) {
        Reservation r = granted.get(i).reservation();
        RedisBudgetStore by = i % 2 == 0 ? a : b;
        Context loop = (i % 2 == 0 ? loopsA : loopsB).get(i % LOOPS);
        boolean release = i < 2;
        back.add(on(loop, () -> release ? by.release(r) : by.settle(r, 4)));
      }
      await(Future.all(back));
      seenByA = awaitOn(loopA, () -> a.headroom(dep, limits));
      seenByB = awaitOn(loopB, () -> b.headroom(dep, limits));
      assertThat(seenByA).isEqualTo(seenByB);
      assertThat(seenByA.tokensUsed()).isEqualTo(38 * 4);
      assertThat(seenByA.requestsUsed()).isEqualTo(38);
      assertThat(awaitOn(loopB, () -> b.reserve(dep, limits, 10))).isInstanceOf(Granted.class);
      assertThat(awaitOn(loopA, () -> a.reserve(dep, limits, 10))).isInstanceOf(Granted.class);
      assertThat(((Denied) awaitOn(loopB, () -> b.reserve(dep, limits, 10))).reason()).isEqualTo(Reason.REQUESTS);
    }
    assertConnectionsBounded(a);
    assertConnectionsBounded(b);
  }

  @Test
  @Order(2)
  void everyKeyOfADeploymentLivesInOneSlotOnTheMasterThatOwnsIt() {
    Context loopA = loopsA.get(0);
    Context loopB = loopsB.get(0);
    RedisBudgetStore a = redisStore(vertxA, loopA);
    RedisBudgetStore b = redisStore(vertxB, loopB);
    BudgetLimits limits = new BudgetLimits(1000, 40);
    for (String dep : onDistinctMasters(RedisCluster.MASTERS)) {
      Granted g = (Granted) awaitOn(loopA, () -> a.reserve(dep, limits, 100));
      Granted other = (Granted) awaitOn(loopB, () -> b.reserve(dep, limits, 100));
      awaitOn(loopA, () -> a.settle(other.reservation(), 50));
      awaitOn(loopB, () -> b.markWaiting(dep, true));
      awaitOn(loopA, () -> a.pause(dep, 5_000));
      String tag = "mm:{" + dep + "}";
      List<String> keys = List.of(tag + ":w", tag + ":epoch", tag + ":pause", tag + ":waiting",
          tag + ":r:" + g.reservation().id(), tag + ":r:" + other.reservation().id());

      int slot = cluster.keySlot(windowKey(dep));
      int master = cluster.masterFor(windowKey(dep));
      for (String key : keys) {
        assertThat(cluster.keySlot(key)).as("slot of %s", key).isEqualTo(slot);
        assertThat(cluster.command(master, "EXISTS", key)).as("%s on its master %d", key, master).isEqualTo(1L);
      }
      assertThat(cluster.command(master, "GET", tag + ":r:" + g.reservation().id())).isEqualTo(g.reservation().slot() + " 100 1000");
      assertThat(cluster.command(master, "GET", tag + ":r:" + other.reservation().id())).as("settled").isEqualTo("x");
      for (int elsewhere : cluster.masters()) {
        if (elsewhere != master) {
          assertThat(cluster.command(elsewhere, "EXISTS", windowKey(dep)))
              .isEqualTo(new RedisCluster.Error("MOVED " + slot + " 127.0.0.1:" + master));
        }
      }
    }
  }

  @Test
  @Order(3)
  void freedBudgetReachesAWaitingReplicaAcrossTheCluster() {
    Context loopA = loopsA.get(0);
    Context loopB = loopsB.get(0);
    RedisBudgetStore a = redisStore(vertxA, loopA);
    RedisBudgetStore b = redisStore(vertxB, loopB);
    BudgetLimits limits = new BudgetLimits(1000, 40);
    // B subscribes through the first endpoint; a deployment on another master makes the PUBLISH cross the cluster bus.
    int subscriberNode = cluster.endpoints().get(0).getPort();
    String dep = onDistinctMasters(RedisCluster.MASTERS).stream()
        .filter(d -> cluster.masterFor(windowKey(d)) != subscriberNode).findFirst().orElseThrow();
    assertThat(b.subscribed()).isTrue();

    Promise<String> heardByB = Promise.promise();
    b.onFreed((id, tokens) -> heardByB.tryComplete(id + " " + tokens));
    AtomicLong heardByA = new AtomicLong();
    a.onFreed((id, tokens) -> heardByA.incrementAndGet());

    assertThat(awaitOn(loopB, () -> b.markWaiting(dep, true))).isEqualTo(1L);
    Granted g = (Granted) awaitOn(loopA, () -> a.reserve(dep, limits, 800));
    long t0 = System.nanoTime();
    awaitOn(loopA, () -> a.settle(g.reservation(), 100));
    assertThat(await(heardByB.future())).as("the tokens free now").isEqualTo(dep + " 900");
    System.out.printf("freed budget on %s (master %d) reached B (subscribed via %d) %d ms after the settle%n", dep,
        cluster.masterFor(windowKey(dep)), subscriberNode, (System.nanoTime() - t0) / 1_000_000);
    assertThat(heardByA.get()).as("the settling replica has no waiters").isZero();

    // Once B stops waiting nobody is told.
    assertThat(awaitOn(loopB, () -> b.markWaiting(dep, false))).isZero();
    Promise<Void> second = Promise.promise();
    b.onFreed((id, tokens) -> second.tryComplete());
    Granted again = (Granted) awaitOn(loopA, () -> a.reserve(dep, limits, 100));
    awaitOn(loopA, () -> a.settle(again.reservation(), 0));
    assertThat(awaitOn(loopB, () -> b.headroom(dep, limits)).tokensUsed()).isEqualTo(100);
    assertThat(second.future().isComplete()).isFalse();
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
    RedisBudgetStore a = new RedisBudgetStore(vertxA, config(), WINDOW_MS);
    stores.add(a);
    await(a.start()); // from the test thread, as a main thread starts it: the store's shared connection is open
    String dep = onDistinctMasters(1).get(0);
    assertThat(cluster.command(cluster.masterFor(windowKey(dep)), "SCRIPT", "FLUSH")).isEqualTo("OK"); // as a new node
    List<Future<Void>> settles = new ArrayList<>();
    for (int i = 0; i < 20; i++) { // from the test thread too
      settles.add(a.settle(new Reservation(dep, RedisBudgetStore.newReservationId(), 10, 0, false), 0));
    }
    await(Future.all(settles));
    assertConnectionsBounded(a);
  }

  /** One reserve the traffic sent during the failover test, and how it went. */
  private record Sent(long atMs, long tookMs, ReserveResult result, Throwable failure, boolean redisUp) {}

  @Test
  @Order(100)
  void aFailoverOfTheMasterOwningADeploymentNeverStopsAnswersNorGrantsPastTheLimit() throws Exception {
    BudgetLimits limits = new BudgetLimits(1_000_000, 40);
    Context loop = loopsA.get(0);
    FailoverBudgetStore store = awaitOn(loop, () -> FailoverBudgetStore.start(vertxA, config(), WINDOW_MS));
    stores.add(store);
    assertThat(store.mode()).isEqualTo("redis");
    String dep = onDistinctMasters(1).get(0);
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
    long timer = awaitOn(loop, () -> Future.succeededFuture(vertxA.setPeriodic(250, id -> {
      if (stopped.get()) {
        return;
      }
      issued.incrementAndGet();
      long t = System.nanoTime();
      store.reserve(dep, limits, 10).onComplete(ar -> sent.add(new Sent((t - start) / 1_000_000,
          (System.nanoTime() - t) / 1_000_000, ar.result(), ar.cause(), store.redisAvailable())));
    })));

    long killedAt = System.nanoTime();
    CompletableFuture<Integer> promoted = CompletableFuture.supplyAsync(() -> cluster.killMasterAndWaitForPromotion(dep));
    int newMaster = promoted.get(30, TimeUnit.SECONDS);
    long promotedMs = (System.nanoTime() - killedAt) / 1_000_000;
    assertThat(newMaster).isEqualTo(replica);
    assertThat(cluster.masterFor(windowKey(dep))).isEqualTo(replica);

    // Back on Redis: available, and a grant taken there (not from the local share), within 15 s of the kill.
    waitUntil(15_000 - promotedMs, () -> store.redisAvailable()
        && sent.stream().anyMatch(s -> s.atMs() > promotedMs && s.result() instanceof Granted g && !g.reservation().local()));
    long backMs = (System.nanoTime() - killedAt) / 1_000_000;
    awaitOn(loop, () -> { // on the timer's loop: no reserve is issued after this
      stopped.set(true);
      vertxA.cancelTimer(timer);
      return Future.succeededFuture();
    });
    waitUntil(2_000, () -> sent.size() == issued.get());
    assertThat(store.mode()).isEqualTo("redis");

    List<Sent> all = new ArrayList<>(sent);
    assertThat(all).as("every reserve answered").hasSize((int) issued.get())
        .allSatisfy(s -> assertThat(s.result()).isNotNull());
    long slowest = all.stream().mapToLong(Sent::tookMs).max().orElse(0);
    assertThat(slowest).as("slowest answer, ms").isLessThan(1_000);
    long redisGrants = 4 + all.stream().filter(s -> s.result() instanceof Granted g && !g.reservation().local()).count();
    long localGrants = all.stream().filter(s -> s.result() instanceof Granted g && g.reservation().local()).count();
    long denials = all.stream().filter(s -> s.result() instanceof Denied).count();
    System.out.printf("failover of master %d (deployment %s) to %d: promoted after %d ms, store back on Redis after %d ms; "
            + "availability transitions %s; %d reserves during the test: %d granted by Redis, %d locally, %d denied; "
            + "slowest answer %d ms; store failures %d, fallbacks %d%n",
        master, dep, replica, promotedMs, backMs, transitions, all.size() + 4, redisGrants, localGrants, denials, slowest,
        store.failures(), store.fallbacks());

    assertThat(redisGrants + localGrants).as("grants in the window").isLessThanOrEqualTo((long) Math.floor(40 * 1.02));
    // What was granted locally was written back: the shared window holds every grant (Redis is the new master).
    waitUntil(5_000, () -> store.pendingReconciliations() == 0 && store.local().withUnsynced().isEmpty());
    Headroom shared = awaitOn(loop, () -> store.redis().headroom(dep, limits));
    assertThat(shared.requestsUsed()).as("requests in the shared window").isEqualTo(redisGrants + localGrants);
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
