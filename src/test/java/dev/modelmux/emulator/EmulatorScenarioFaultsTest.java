package dev.modelmux.emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxTestContext;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The knobs failoverbench's scenarios need (see FailoverScenariosTest): a plain error status that asks for a chosen
 * retry-after or none, silences that end after delay_ms, and each model's request arrival times.
 */
class EmulatorScenarioFaultsTest extends EmulatorTestBase {

  private static JsonObject words(String model, int n) {
    return Http.chat(model, "words: " + n);
  }

  private static long msSince(long startNanos) {
    return (System.nanoTime() - startNanos) / 1_000_000;
  }

  @Test
  void plainStatusAsksForTheRetryAfterItIsGivenOrNoneAndReportsNoLimitReached(VertxTestContext ctx) {
    emulator.setFault("gpt-4", Fault.plainStatus(429).delayMs(2000).times(1));
    http.post(words("gpt-4", 3)).compose(reply -> {
      assertThat(reply.status()).isEqualTo(429);
      assertThat(reply.headers().get("retry-after")).isEqualTo("2");
      assertThat(reply.headers().get("retry-after-ms")).isEqualTo("2000");
      assertThat(reply.headers().get("x-ratelimit-remaining-requests")).isNotEqualTo("0");
      assertThat(reply.headers().get("x-ratelimit-remaining-tokens")).isNotEqualTo("0");
      assertThat(reply.error().getString("code")).isEqualTo("rate_limit_exceeded");
      emulator.setFault("gpt-4", Fault.plainStatus(429));
      return http.post(words("gpt-4", 3));
    }).compose(reply -> {
      assertThat(reply.status()).isEqualTo(429);
      assertThat(reply.headers().get("retry-after")).isNull();
      assertThat(reply.headers().get("retry-after-ms")).isNull();
      emulator.setFault("gpt-4", Fault.plainStatus(503));
      return http.post(words("gpt-4", 3));
    }).onComplete(ctx.succeeding(reply -> ctx.verify(() -> {
      assertThat(reply.status()).isEqualTo(503);
      assertThat(reply.headers().get("retry-after")).isNull();
      assertThat(reply.error().getString("message")).contains("overloaded");
      assertThat(emulator.stats("gpt-4").faults()).isEqualTo(3);
      ctx.completeNow();
    })));
  }

  @Test
  void plainStatusRoundTripsThroughJsonAndNeedsAnErrorStatus() {
    Fault fault = Fault.plainStatus(429).delayMs(2000).times(1);
    assertThat(fault.toJson().getString("kind")).isEqualTo("plain_status");
    assertThat(Fault.fromJson(fault.toJson())).isEqualTo(fault);
    assertThatThrownBy(() -> Fault.fromJson(new JsonObject().put("kind", "plain_status").put("status", 200)))
        .hasMessageStartingWith("status:");
  }

  @Test
  void noResponseClosesTheConnectionAfterDelayMs(VertxTestContext ctx) {
    emulator.setFault("gpt-4", Fault.of(Fault.Kind.NO_RESPONSE).delayMs(300));
    long start = System.nanoTime();
    http.post(words("gpt-4", 2)).onComplete(result -> ctx.verify(() -> {
      assertThat(result.failed()).as("closed without a response").isTrue();
      assertThat(msSince(start)).isBetween(300L, 10_000L);
      assertThat(emulator.stats("gpt-4").peerClosed()).as("the emulator closed it, not the peer").isZero();
      ctx.completeNow();
    }));
  }

  @Test
  void stallClosesTheConnectionAfterDelayMs(VertxTestContext ctx) {
    emulator.setFault("gpt-4", Fault.of(Fault.Kind.STALL).afterTokens(2).delayMs(300));
    JsonObject body = words("gpt-4", 10);
    String expected = String.join("", AnswerText.pieces(AnswerText.of(body.getJsonArray("messages"))).subList(0, 2));
    long start = System.nanoTime();
    http.stream(body).onComplete(ctx.succeeding(s -> ctx.verify(() -> {
      assertThat(s.ended()).as("broken, not ended").isFalse();
      assertThat(s.text()).isEqualTo(expected);
      assertThat(msSince(start)).isBetween(300L, 10_000L);
      assertThat(emulator.stats("gpt-4").peerClosed()).isZero();
      ctx.completeNow();
    })));
  }

  @Test
  void missingDoneEndsTheResponseCleanlyAfterDelayMsStillWithoutTheTerminator(VertxTestContext ctx) {
    emulator.setFault("gpt-4", Fault.of(Fault.Kind.MISSING_DONE).delayMs(1));
    JsonObject body = words("gpt-4", 4).put("stream_options", new JsonObject().put("include_usage", true));
    http.stream(body).compose(s -> {
      assertThat(s.ended()).as("the HTTP response ends cleanly").isTrue();
      assertThat(s.done()).isFalse();
      assertThat(s.last().getJsonObject("usage").getInteger("completion_tokens")).isPositive();
      assertThat(s.text()).isEqualTo(AnswerText.of(body.getJsonArray("messages")));
      return http.post(words("gpt-4", 4));
    }).onComplete(ctx.succeeding(reply -> ctx.verify(() -> {
      assertThat(reply.status()).isEqualTo(200);
      assertThat(reply.json().getJsonArray("choices")).hasSize(1);
      assertThat(emulator.stats("gpt-4").streamsCompleted()).isZero();
      ctx.completeNow();
    })));
  }

  @Test
  void eachModelKeepsWhenItsRequestsArrived(Vertx vertx, VertxTestContext ctx) {
    long before = System.nanoTime();
    http.post(words("gpt-4", 2))
        .compose(first -> vertx.timer(200))
        .compose(v -> http.post(Http.chat("tiny", "this prompt is far too long for a window of sixty tokens ".repeat(20))))
        .compose(refused -> {
          assertThat(refused.status()).isEqualTo(400);
          return http.post(words("gpt-4", 2));
        })
        .onComplete(ctx.succeeding(reply -> ctx.verify(() -> {
          List<Long> arrivals = emulator.arrivals("gpt-4");
          assertThat(arrivals).hasSize(2);
          assertThat(arrivals.get(0)).isGreaterThanOrEqualTo(before);
          assertThat((arrivals.get(1) - arrivals.get(0)) / 1_000_000).isGreaterThanOrEqualTo(200);
          assertThat(emulator.arrivals("tiny")).as("a refused request arrived too").hasSize(1);
          assertThat(emulator.arrivals("gpt-4o")).isEmpty();
          assertThatThrownBy(() -> emulator.arrivals("nope")).isInstanceOf(IllegalArgumentException.class);
          ctx.completeNow();
        })));
  }
}
