package dev.modelmux.dispatch;

import static dev.modelmux.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.modelmux.budget.BudgetLimits;
import dev.modelmux.budget.LocalBudgetStore;
import dev.modelmux.budget.ReserveResult.Granted;
import dev.modelmux.config.ResilienceConfig;
import dev.modelmux.metrics.GatewayMetrics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * One budget store has one waiting room, however many {@link Shared} are built on it: a second room would hear every
 * freed announcement again and wake, in each room, as many as the freed budget can serve.
 */
class OneWaiterPerStoreTest {
  private static final BudgetLimits LIMITS = new BudgetLimits(1000, 100_000);

  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void stop() {
    await(vertx.close());
  }

  @Test
  void freedBudgetForOneWakesOneThoughTwoSharedWereBuiltOnTheStore() throws InterruptedException {
    LocalBudgetStore store = new LocalBudgetStore(60_000);
    Shared first = shared(store);
    Shared second = shared(store);
    assertThat(second.waiter()).isSameAs(first.waiter());

    Granted holder = (Granted) await(store.reserve("d", LIMITS, 960));
    List<Future<String>> waiting = List.of(first.waiter().await(Map.of("d", 600L), 5_000),
        second.waiter().await(Map.of("d", 600L), 5_000));
    await(store.settle(holder.reservation(), 300)); // 660 back: room for one of the two

    await(Future.any(waiting));
    Thread.sleep(200); // a second wake-up, were there one, would be on its way

    assertThat(waiting.stream().filter(Future::isComplete)).as("waiters woken").hasSize(1);
  }

  private Shared shared(LocalBudgetStore store) {
    return new Shared(vertx, null, store, null, new GatewayMetrics(null), ResilienceConfig.DEFAULT, 30_000);
  }
}
