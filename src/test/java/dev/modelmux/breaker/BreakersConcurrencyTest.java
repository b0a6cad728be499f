package dev.modelmux.breaker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelmux.config.ResilienceConfig;
import dev.modelmux.core.ErrorKind;
import dev.modelmux.core.GatewayError;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Both event loops tell one breaker their calls' outcomes at once (its window takes no lock): N failures in a row still open it. */
class BreakersConcurrencyTest {
  private static final GatewayError FAILURE = GatewayError.of(502, ErrorKind.UPSTREAM_ERROR, "bad gateway");

  @Test
  void successesFromTwoThreadsKeepItClosedAndNFailuresInARowOpenIt() throws Exception {
    AtomicInteger opened = new AtomicInteger();
    Breakers breakers = new Breakers(List.of("d"), new ResilienceConfig(5, 60_000, 60_000, 0, 60_000, 60_000), (id, ms) -> opened.incrementAndGet());
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> both = new ArrayList<>();
    for (int t = 0; t < 2; t++) {
      Thread th = new Thread(() -> {
        try {
          start.await();
        } catch (InterruptedException e) {
          return;
        }
        for (int i = 0; i < 20_000; i++) {
          Breakers.Call call = breakers.call("d");
          if (call != null) {
            call.succeeded();
          }
        }
      });
      th.start();
      both.add(th);
    }
    start.countDown();
    for (Thread th : both) {
      th.join(30_000);
    }
    assertThat(breakers.state("d")).isEqualTo(Breakers.State.CLOSED);

    for (int i = 0; i < 4; i++) {
      breakers.call("d").failed(FAILURE);
    }
    assertThat(breakers.state("d")).as("4 failures of 5").isEqualTo(Breakers.State.CLOSED);
    breakers.call("d").succeeded();
    for (int i = 0; i < 4; i++) {
      breakers.call("d").failed(FAILURE);
    }
    assertThat(breakers.state("d")).as("a success broke the row").isEqualTo(Breakers.State.CLOSED);
    breakers.call("d").failed(FAILURE);
    assertThat(breakers.state("d")).as("5 in a row").isEqualTo(Breakers.State.OPEN);
    assertThat(breakers.call("d")).isNull();
    assertThat(opened.get()).isEqualTo(1);
  }
}
