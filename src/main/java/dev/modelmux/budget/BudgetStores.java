package dev.modelmux.budget;

import dev.modelmux.config.RedisConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.Optional;

/** Picks the budget store for a configuration. */
public final class BudgetStores {
  public static final long DEFAULT_WINDOW_MS = 60_000;

  private BudgetStores() {}

  public static Future<BudgetStore> create(Vertx vertx, Optional<RedisConfig> redis) {
    return create(vertx, redis, DEFAULT_WINDOW_MS);
  }

  /**
   * No Redis configured: an in-process {@link LocalBudgetStore} (the embedded default, one replica). Redis
   * configured: a {@link LeasedBudgetStore}, which starts even when Redis is down (in local-fallback mode, until it
   * returns). The future never fails on Redis' account.
   */
  public static Future<BudgetStore> create(Vertx vertx, Optional<RedisConfig> redis, long windowMs) {
    if (redis.isEmpty()) {
      return Future.succeededFuture(new LocalBudgetStore(windowMs));
    }
    return LeasedBudgetStore.start(vertx, redis.get(), windowMs).map(s -> s);
  }
}
