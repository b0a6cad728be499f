package dev.modelmux.testing;

import io.vertx.core.Future;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/** Blocks a test thread (never an event loop) on a Future, with a bound so a bug fails instead of hanging. */
public final class Await {
  private Await() {}

  public static <T> T await(Future<T> future) {
    return await(future, 30);
  }

  /** As {@link #await(Future)}, with a bound of {@code seconds} for what is slow by design (a CPU-starved replica). */
  public static <T> T await(Future<T> future, long seconds) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(seconds, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : new RuntimeException(e.getCause());
    } catch (Exception e) {
      throw new RuntimeException(e);
    }
  }
}
