package dev.modelmux.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelmux.config.Timeouts;
import io.vertx.core.Vertx;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * One timer serves every deadline of an attempt, and events only stamp the time: each deadline must still be missed
 * at its own time, whichever is shorter, and not at all while the client holds the upstream paused.
 */
class DeadlinesTest {
  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** What expired and after how many ms of the attempt; {@code script} runs on the event loop at the start. */
  private record Missed(String what, long afterMs) {}

  private Missed run(Timeouts timeouts, Consumer<Deadlines> script) throws Exception {
    CompletableFuture<Missed> missed = new CompletableFuture<>();
    long[] start = new long[1];
    vertx.runOnContext(v -> {
      Deadlines[] deadlines = new Deadlines[1];
      deadlines[0] = new Deadlines(vertx, timeouts, what -> {
        missed.complete(new Missed(what, (System.nanoTime() - start[0]) / 1_000_000));
        deadlines[0].cancel();
      });
      start[0] = System.nanoTime();
      deadlines[0].start();
      script.accept(deadlines[0]);
    });
    return missed.get(10, TimeUnit.SECONDS);
  }

  /** Runs {@code step} every {@code everyMs} until {@code untilMs}. */
  private void every(long everyMs, long untilMs, Runnable step) {
    long until = System.nanoTime() + untilMs * 1_000_000;
    vertx.setPeriodic(everyMs, id -> {
      if (System.nanoTime() - until >= 0) {
        vertx.cancelTimer(id);
      } else {
        step.run();
      }
    });
  }

  @Test
  void aMissedFirstTokenExpiresAtItsDeadline() throws Exception {
    Missed missed = run(new Timeouts(1000, 200, 5000, 10_000), d -> d.awaitFirst("first token"));
    assertThat(missed.what()).isEqualTo("sent no first token within 200 ms");
    assertThat(missed.afterMs()).isBetween(195L, 1500L);
  }

  @Test
  void aFirstTokenLongerThanTheIdleGapIsStillWaitedForInFull() throws Exception {
    Missed missed = run(new Timeouts(1000, 700, 100, 10_000), d -> d.awaitFirst("first token"));
    assertThat(missed.what()).isEqualTo("sent no first token within 700 ms");
    assertThat(missed.afterMs()).isBetween(695L, 2500L);
  }

  @Test
  void aShortIdleGapAfterAFirstTokenIsMissedAtItsOwnTimeNotAtTheFirstTokensDeadline() throws Exception {
    Missed missed = run(new Timeouts(1000, 5000, 150, 10_000), d -> {
      d.awaitFirst("first token");
      vertx.setTimer(50, id -> d.watchGaps());
    });
    assertThat(missed.what()).startsWith("went silent for ").endsWith(" ms mid-answer");
    assertThat(missed.afterMs()).isBetween(195L, 1500L);
  }

  @Test
  void eventsKeepTheGapOpenPastTheFirstTokenDeadlineThenSilenceIsMissed() throws Exception {
    Missed missed = run(new Timeouts(1000, 100, 300, 10_000), d -> {
      d.awaitFirst("first token");
      vertx.setTimer(30, id -> {
        d.watchGaps();
        every(50, 800, d::activity);
      });
    });
    assertThat(missed.what()).startsWith("went silent for ");
    assertThat(missed.afterMs()).isBetween(1050L, 3000L);
  }

  @Test
  void theTotalIsMissedWhileEventsFlow() throws Exception {
    Missed missed = run(new Timeouts(1000, 100, 200, 600), d -> {
      d.awaitFirst("first token");
      vertx.setTimer(20, id -> {
        d.watchGaps();
        every(40, 5000, d::activity);
      });
    });
    assertThat(missed.what()).isEqualTo("did not finish within 600 ms");
    assertThat(missed.afterMs()).isBetween(595L, 2000L);
  }

  @Test
  void timePausedForTheClientCountsTowardNeitherTheGapNorTheTotal() throws Exception {
    Missed missed = run(new Timeouts(1000, 100, 300, 600), d -> {
      d.awaitFirst("first token");
      vertx.setTimer(20, id -> {
        d.watchGaps();
        vertx.setTimer(100, s -> d.suspend());
        vertx.setTimer(1100, r -> {
          d.resume();
          every(40, 5000, d::activity);
        });
      });
    });
    assertThat(missed.what()).isEqualTo("did not finish within 600 ms");
    assertThat(missed.afterMs()).as("600 ms of the provider's time plus ~1000 ms paused").isBetween(1550L, 3500L);
  }

  @Test
  void nothingExpiresOnceCancelled() throws Exception {
    CompletableFuture<String> missed = new CompletableFuture<>();
    vertx.runOnContext(v -> {
      Deadlines deadlines = new Deadlines(vertx, new Timeouts(1000, 100, 100, 200), missed::complete);
      deadlines.start();
      deadlines.awaitFirst("first token");
      vertx.setTimer(30, id -> deadlines.cancel());
    });
    Thread.sleep(600);
    assertThat(missed).isNotDone();
  }

  @Test
  void theLongestGapIsMeasuredOnceTheAnswerFlowsAndAMissedFirstTokenIsTold() throws Exception {
    CompletableFuture<long[]> seen = new CompletableFuture<>();
    vertx.runOnContext(v -> {
      Deadlines[] d = new Deadlines[1];
      d[0] = new Deadlines(vertx, new Timeouts(1000, 5000, 2500, 3000), what -> {
        seen.complete(new long[] {d[0].longestGapMs(), d[0].firstMissed() ? 1 : 0});
        d[0].cancel();
      });
      d[0].start();
      d[0].awaitFirst("first token");
      vertx.setTimer(20, a -> d[0].activity()); // a role chunk before the answer: no gap yet
      vertx.setTimer(400, b -> {
        d[0].watchGaps(); // the first content, 400 ms in: the wait for it is no gap
        vertx.setTimer(30, c -> {
          d[0].activity();
          vertx.setTimer(30, e -> {
            d[0].activity();
            vertx.setTimer(300, f -> d[0].activity());
          });
        });
      });
    });
    long[] result = seen.get(10, TimeUnit.SECONDS);
    assertThat(result[0]).as("the 300 ms gap between the last two events").isBetween(300L, 2500L);
    assertThat(result[1]).as("the total expired, not the first token").isZero();

    CompletableFuture<Boolean> firstMissed = new CompletableFuture<>();
    vertx.runOnContext(v -> {
      Deadlines[] d = new Deadlines[1];
      d[0] = new Deadlines(vertx, new Timeouts(1000, 100, 2000, 5000), what -> {
        firstMissed.complete(d[0].firstMissed() && d[0].longestGapMs() == -1);
        d[0].cancel();
      });
      d[0].start();
      d[0].awaitFirst("first token");
    });
    assertThat(firstMissed.get(10, TimeUnit.SECONDS)).isTrue();
  }
}
