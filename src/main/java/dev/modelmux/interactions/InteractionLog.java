package dev.modelmux.interactions;

import dev.modelmux.metrics.InteractionMeters;
import dev.modelmux.spi.Interaction;
import dev.modelmux.spi.InteractionSink;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records ended requests off the hot path: a request only offers its interaction to a bounded queue (a full queue
 * drops it, counted); a timer writes what waits in batches, one batch in flight at a time, rows built on a worker. A
 * slow or absent database therefore never slows or fails a request; what it costs is counted drops, logged at most
 * once a minute. Old interactions are forgotten after {@code retention_days}.
 */
public final class InteractionLog implements InteractionSink {
  private static final Logger LOG = LoggerFactory.getLogger(InteractionLog.class);
  private static final long DROP_LOG_INTERVAL_MS = 60_000;
  private static final long RETENTION_EVERY_MS = TimeUnit.HOURS.toMillis(1);

  private final Vertx vertx;
  private final InteractionsConfig config;
  private final InteractionStore store;
  private final InteractionMeters meters;
  private final LongSupplier clockMs;
  private final ConcurrentLinkedQueue<Interaction> queue = new ConcurrentLinkedQueue<>();
  private final AtomicInteger queued = new AtomicInteger();
  private final ConcurrentHashMap<String, Promise<Void>> inFlight = new ConcurrentHashMap<>();
  private final AtomicLong droppedSinceLog = new AtomicLong();
  private final AtomicLong lastDropLogMs = new AtomicLong(Long.MIN_VALUE / 2);
  private final long flushTimer;
  private final long retentionTimer;
  private Future<Void> writing = Future.succeededFuture();

  private InteractionLog(Vertx vertx, InteractionsConfig config, InteractionStore store, MeterRegistry registry, LongSupplier clockMs) {
    this.vertx = vertx;
    this.config = config;
    this.store = store;
    this.clockMs = clockMs;
    this.meters = new InteractionMeters(registry, queued::get);
    this.flushTimer = vertx.setPeriodic(config.flushMs(), id -> flush());
    this.retentionTimer = vertx.setPeriodic(1, RETENTION_EVERY_MS, id -> forgetOld());
  }

  /** Opens the configured store (migrating its schema) and starts the writer. */
  public static Future<InteractionLog> start(Vertx vertx, InteractionsConfig config, MeterRegistry registry) {
    return start(vertx, config, registry, System::currentTimeMillis);
  }

  static Future<InteractionLog> start(Vertx vertx, InteractionsConfig config, MeterRegistry registry, LongSupplier clockMs) {
    return openStore(vertx, config).map(s -> new InteractionLog(vertx, config, s, registry, clockMs));
  }

  /** The configured store alone (migrated), for a command that reads the log (replay). */
  public static Future<InteractionStore> openStore(Vertx vertx, InteractionsConfig config) {
    return config.store().equals("postgres")
        ? PostgresStore.open(vertx, config.url(), config.password().reveal())
        : SqliteStore.open(vertx, config.path());
  }

  public InteractionStore store() {
    return store;
  }

  public InteractionsConfig config() {
    return config;
  }

  @Override
  public boolean begin(String requestId) {
    boolean sampled = config.sample() >= 1.0 || config.sample() > 0 && ThreadLocalRandom.current().nextDouble() < config.sample();
    if (sampled) {
      Promise<Void> earlier = inFlight.put(requestId, Promise.promise());
      if (earlier != null) {
        earlier.tryComplete(); // a client reused the id: whoever waits on the first one need not wait forever
      }
    }
    return sampled;
  }

  /** Completes once a request that is being served has been handed over (at once for any other id). */
  public Future<Void> handedOver(String requestId) {
    Promise<Void> pending = inFlight.get(requestId);
    return pending == null ? Future.succeededFuture() : pending.future();
  }

  /** Writes what is queued once {@code requestId} (if it is being served) has ended: then it is in the store. */
  public Future<Void> stored(String requestId) {
    return handedOver(requestId).compose(v -> flush());
  }

  @Override
  public int maxAnswerBytes() {
    return config.maxAnswerBytes();
  }

  @Override
  public void record(Interaction interaction) {
    Promise<Void> pending = inFlight.remove(interaction.requestId());
    try {
      enqueue(interaction);
    } finally {
      if (pending != null) {
        pending.tryComplete();
      }
    }
  }

  private void enqueue(Interaction interaction) {
    if (queued.incrementAndGet() > config.queue()) {
      queued.decrementAndGet();
      meters.droppedQueueFull();
      dropped(1, "the queue is full (" + config.queue() + ")");
      return;
    }
    queue.add(interaction);
  }

  /** Writes everything queued now, batch after batch; completes when it is stored (or dropped, counted). */
  public synchronized Future<Void> flush() {
    writing = writing.transform(done -> drain());
    return writing;
  }

  private Future<Void> drain() {
    List<Interaction> batch = new ArrayList<>(config.batch());
    Interaction next;
    while (batch.size() < config.batch() && (next = queue.poll()) != null) {
      batch.add(next);
    }
    if (batch.isEmpty()) {
      return Future.succeededFuture();
    }
    queued.addAndGet(-batch.size());
    double weight = config.sample() > 0 ? 1.0 / config.sample() : 1.0;
    Promise<Void> done = Promise.promise();
    vertx.<List<InteractionRow>>executeBlocking(() -> batch.stream().map(i -> InteractionRows.of(i, config.logContent(), weight)).toList(),
            false)
        .compose(store::write)
        .onSuccess(v -> meters.recorded(batch.size()))
        .onFailure(e -> {
          meters.droppedWriteFailed(batch.size());
          dropped(batch.size(), "the store failed: " + e.getMessage());
        })
        .onComplete(v -> drain().onComplete(done));
    return done.future();
  }

  private void dropped(int count, String why) {
    long total = droppedSinceLog.addAndGet(count);
    long now = clockMs.getAsLong();
    long last = lastDropLogMs.get();
    if (now - last >= DROP_LOG_INTERVAL_MS && lastDropLogMs.compareAndSet(last, now)) {
      droppedSinceLog.addAndGet(-total);
      LOG.warn("interaction log: dropped {} recorded request(s) in the last minute; latest: {}", total, why);
    }
  }

  private void forgetOld() {
    long before = clockMs.getAsLong() - TimeUnit.DAYS.toMillis(config.retentionDays());
    store.forgetBefore(before).onSuccess(n -> {
      if (n > 0) {
        LOG.info("interaction log: forgot {} interaction(s) older than {} days", n, config.retentionDays());
      }
    }).onFailure(e -> LOG.warn("interaction log: retention failed: {}", e.getMessage()));
  }

  /** Writes what is queued, then closes the store. */
  public Future<Void> close() {
    vertx.cancelTimer(flushTimer);
    vertx.cancelTimer(retentionTimer);
    return flush().eventually(store::close);
  }
}
