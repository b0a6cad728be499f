package dev.modelmux.budget;

import dev.modelmux.config.RedisConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.Optional;

/** Builds the budget store the config asks for (placeholder until the Redis store lands: local only). */
public final class BudgetStores {
  public static final long WINDOW_MS = 60_000;

  private BudgetStores() {}

  public static Future<BudgetStore> create(Vertx vertx, Optional<RedisConfig> redis, long windowMs) {
    if (redis.isPresent()) {
      return Future.failedFuture("redis: shared budgets are not available in this build yet");
    }
    return Future.succeededFuture(new LocalBudgetStore(windowMs));
  }
}
