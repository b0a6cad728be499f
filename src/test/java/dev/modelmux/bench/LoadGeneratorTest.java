package dev.modelmux.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelmux.bench.Result.ModeResult;
import dev.modelmux.bench.Result.TargetResult;
import dev.modelmux.bench.Scenario.Mode;
import dev.modelmux.bench.Scenario.SchedulerKind;
import dev.modelmux.bench.Scenario.Target;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class LoadGeneratorTest {
  private static final long CONTENT_DELAY_MS = 20;
  private BenchStubServer stub;

  @BeforeEach
  void startStub(Vertx vertx, VertxTestContext ctx) {
    stub = new BenchStubServer(0, CONTENT_DELAY_MS);
    vertx.deployVerticle(stub).onComplete(ctx.succeedingThenComplete());
  }

  private String url(String path) {
    return "http://127.0.0.1:" + stub.actualPort() + path;
  }

  private Scenario scenario(List<Target> targets, double rate, Duration duration, int rounds, Mode mode) {
    return Scenario.of(targets, rate).withDuration(duration).withWarmup(Duration.ZERO).withRounds(rounds)
        .withModes(EnumSet.of(mode)).withConnections(16);
  }

  @Test
  void sendsTheRequestedNumberOfRequestsAtTheRequestedRate(Vertx vertx, VertxTestContext ctx) {
    Scenario s = scenario(List.of(Target.parse("direct=" + url("/v1/chat/completions"))), 200,
        Duration.ofSeconds(1), 1, Mode.PLAIN);
    LoadGenerator.run(vertx, s).onComplete(ctx.succeeding(r -> ctx.verify(() -> {
      TargetResult t = r.mode(Mode.PLAIN).targets().get(0);
      assertThat(t.requests()).isEqualTo(200);
      assertThat(t.ok()).isEqualTo(200);
      assertThat(t.errors() + t.non200()).isZero();
      assertThat(t.latency().count()).isEqualTo(200);
      assertThat(stub.requests()).isEqualTo(200);
      // 200 requests at 200/s: 199 intervals of 5 ms, seen by the server. Within 50 ms (10 req/s) on a quiet machine; a busy one
      // sends late and catches up, which moves either end by up to the largest scheduling lag (it reports that too).
      double slackMs = 50 + r.mode(Mode.PLAIN).schedulingLag().max();
      assertThat(stub.arrivalSpanSeconds() * 1000).as("ms from the first arrival to the last, largest lag %.0f ms", slackMs - 50)
          .isBetween(995 - slackMs, 995 + slackMs);
      assertThat(t.achievedRate()).isBetween(199_000 / (995 + slackMs) - 10, 199_000 / Math.max(1, 995 - slackMs) + 10);
      assertThat(r.mode(Mode.PLAIN).schedulingLag().count()).isEqualTo(200);
      assertThat(r.hasErrors()).isFalse();
      ctx.completeNow();
    })));
  }

  @Test
  void timerSchedulerAlsoKeepsTheRate(Vertx vertx, VertxTestContext ctx) {
    Scenario s = scenario(List.of(Target.parse("direct=" + url("/v1/chat/completions"))), 200,
        Duration.ofSeconds(1), 1, Mode.PLAIN).withScheduler(SchedulerKind.TIMER);
    LoadGenerator.run(vertx, s).onComplete(ctx.succeeding(r -> ctx.verify(() -> {
      TargetResult t = r.mode(Mode.PLAIN).targets().get(0);
      assertThat(t.ok()).isEqualTo(200);
      double slackMs = 50 + r.mode(Mode.PLAIN).schedulingLag().max(); // as above: a busy machine's lag moves the ends
      assertThat(stub.arrivalSpanSeconds() * 1000).as("ms from the first arrival to the last").isBetween(995 - slackMs, 995 + slackMs);
      ctx.completeNow();
    })));
  }

  @Test
  void ttftIsTakenAtTheFirstContentEventNotTheRoleChunk(Vertx vertx, VertxTestContext ctx) {
    Scenario s = scenario(List.of(Target.parse("direct=" + url("/v1/chat/completions")),
        Target.parse("gateway=" + url("/v1/chat/completions"))), 200, Duration.ofMillis(500), 2, Mode.STREAM);
    LoadGenerator.run(vertx, s).onComplete(ctx.succeeding(r -> ctx.verify(() -> {
      ModeResult m = r.mode(Mode.STREAM);
      for (TargetResult t : m.targets()) {
        assertThat(t.requests()).isEqualTo(100);
        assertThat(t.ok()).as(t.errorKinds().toString()).isEqualTo(100);
        assertThat(t.latency().p50()).isGreaterThanOrEqualTo(CONTENT_DELAY_MS);
        assertThat(t.latency().p50()).isLessThan(CONTENT_DELAY_MS + 100);
        assertThat(t.total().count()).isEqualTo(100);
        assertThat(t.total().p50()).isGreaterThanOrEqualTo(t.latency().p50());
      }
      assertThat(m.added()).hasSize(1);
      assertThat(m.addedTotal()).hasSize(1);
      assertThat(r.format()).contains("stream: TTFT").contains("total until [DONE]");
      ctx.completeNow();
    })));
  }

  @Test
  void non200AndConnectionErrorsAreCountedApart(Vertx vertx, VertxTestContext ctx) throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    Scenario s = scenario(List.of(Target.parse("ok=" + url("/v1/chat/completions")),
        Target.parse("failing=" + url("/v1/chat/completions/status/503")),
        Target.parse("down=http://127.0.0.1:" + closedPort + "/v1/chat/completions")),
        100, Duration.ofMillis(200), 1, Mode.PLAIN);
    LoadGenerator.run(vertx, s).onComplete(ctx.succeeding(r -> ctx.verify(() -> {
      List<TargetResult> ts = r.mode(Mode.PLAIN).targets();
      assertThat(ts.get(0).ok()).isEqualTo(20);
      assertThat(ts.get(1).requests()).isEqualTo(20);
      assertThat(ts.get(1).non200()).isEqualTo(20);
      assertThat(ts.get(1).errors()).isZero();
      assertThat(ts.get(1).ok()).isZero();
      assertThat(ts.get(1).errorKinds()).containsEntry("HTTP 503", 20L);
      assertThat(ts.get(2).errors()).isEqualTo(20);
      assertThat(ts.get(2).non200()).isZero();
      assertThat(r.hasErrors()).isTrue();
      assertThat(r.format()).contains("failing failures: {HTTP 503=20}");
      ctx.completeNow();
    })));
  }

  @Test
  void streamsWithoutContentOrDoneAreErrors(Vertx vertx, VertxTestContext ctx) {
    // a plain JSON answer to a stream request is a 200 that never yields an SSE content event
    vertx.createHttpServer().requestHandler(req -> req.response().end("{\"choices\":[]}")).listen(0)
        .compose(server -> LoadGenerator.run(vertx, scenario(List.of(Target.parse(
            "odd=http://127.0.0.1:" + server.actualPort() + "/v1/chat/completions")), 100, Duration.ofMillis(100),
            1, Mode.STREAM)))
        .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
          TargetResult t = r.mode(Mode.STREAM).targets().get(0);
          assertThat(t.errors()).isEqualTo(10);
          assertThat(t.errorKinds()).containsEntry(ResponseReader.STREAM_CUT, 10L);
          ctx.completeNow();
        })));
  }

  private static String sse(String event, String data) {
    return "event: " + event + "\ndata: " + data + "\n\n";
  }

  /**
   * A tiny Anthropic Messages stream: message_start, content_block_start, ping, then after {@code delayMs} the
   * deltas and the end events (no [DONE]). A path ending in /error sends an error event instead of content.
   * Counts the models it was asked for.
   */
  private static Future<HttpServer> anthropicServer(Vertx vertx, long delayMs,
      Map<String, AtomicLong> models) {
    String head = sse("message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\","
        + "\"role\":\"assistant\",\"content\":[],\"model\":\"claude-2.1\",\"stop_reason\":null,"
        + "\"usage\":{\"input_tokens\":10,\"output_tokens\":1}}}")
        + sse("content_block_start", "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}")
        + sse("ping", "{\"type\": \"ping\"}");
    String rest = sse("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hello\"}}")
        + sse("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\" there\"}}")
        + sse("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}")
        + sse("message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},"
        + "\"usage\":{\"output_tokens\":3}}")
        + sse("message_stop", "{\"type\":\"message_stop\"}");
    String error = sse("error", "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}");
    return vertx.createHttpServer().requestHandler((HttpServerRequest req) -> req.body().onSuccess(body -> {
      models.computeIfAbsent(new JsonObject(body).getString("model"), m -> new AtomicLong()).incrementAndGet();
      req.response().setChunked(true).putHeader("content-type", "text/event-stream").write(head);
      String tail = req.path().endsWith("/error") ? error : rest;
      vertx.setTimer(delayMs, id -> req.response().end(tail));
    })).listen(0);
  }

  @Test
  void anthropicStreamsGiveTtftAtTheFirstTextDeltaAndEndAtMessageStop(Vertx vertx, VertxTestContext ctx) {
    long delay = 30;
    Map<String, AtomicLong> models = new ConcurrentHashMap<>();
    anthropicServer(vertx, delay, models).compose(server -> {
      String base = "http://127.0.0.1:" + server.actualPort();
      Scenario s = scenario(List.of(Target.parse("direct-openai=" + url("/v1/chat/completions")),
          Target.parse("direct-anthropic=" + base + "/v1/messages@claude-2"),
          Target.parse("broken-anthropic=" + base + "/v1/messages/error@claude-x")
              .withBaseline("direct-anthropic")), 200, Duration.ofMillis(500), 2, Mode.STREAM);
      return LoadGenerator.run(vertx, s);
    }).onComplete(ctx.succeeding(r -> ctx.verify(() -> {
      ModeResult m = r.mode(Mode.STREAM);
      TargetResult anthropic = m.targets().get(1);
      assertThat(anthropic.ok()).as(anthropic.errorKinds().toString()).isEqualTo(100);
      // TTFT is the first content_block_delta, after the delay, not message_start/content_block_start/ping
      assertThat(anthropic.latency().p50()).isGreaterThanOrEqualTo(delay);
      assertThat(anthropic.latency().p50()).isLessThan(delay + 100);
      assertThat(anthropic.total().count()).isEqualTo(100);
      assertThat(anthropic.latencyByRound()).hasSize(2).allSatisfy(p -> assertThat(p.count()).isEqualTo(50));
      TargetResult broken = m.targets().get(2);
      assertThat(broken.errors()).isEqualTo(100);
      assertThat(broken.errorKinds()).containsEntry("in-band error event", 100L);
      assertThat(models.get("claude-2").get()).isEqualTo(100);
      assertThat(models.get("claude-x").get()).isEqualTo(100);
      assertThat(m.added()).extracting(c -> c.target() + "-" + c.baseline())
          .containsExactly("direct-anthropic-direct-openai", "broken-anthropic-direct-anthropic");
      ctx.completeNow();
    })));
  }

  @Test
  void closedLoopKeepsConnectionsBusyAndTheTargetSetsTheRate(Vertx vertx, VertxTestContext ctx) {
    int connections = 4;
    Scenario s = scenario(List.of(Target.parse("direct=" + url("/v1/chat/completions"))), 100,
        Duration.ofSeconds(1), 2, Mode.STREAM).withConnections(connections).withClosedLoop(true);
    List<String> progress = new CopyOnWriteArrayList<>();
    LoadGenerator.run(vertx, s, progress::add, Duration.ofMillis(200)).onComplete(ctx.succeeding(r -> ctx.verify(() -> {
      TargetResult t = r.mode(Mode.STREAM).targets().get(0);
      assertThat(t.errors() + t.non200()).as(t.errorKinds().toString()).isZero();
      assertThat(t.ok()).isEqualTo(t.requests()).isEqualTo(stub.requests());
      // each connection waits at least CONTENT_DELAY_MS per request: at most connections / delay requests per second;
      // kept busy, about connections / (mean time per request), however long a busy machine makes that
      double ceiling = connections * 1000.0 / CONTENT_DELAY_MS;
      double busy = connections * 1000.0 / t.total().mean();
      assertThat(t.achievedRate()).as("rate, %.0f/s with %d connections kept busy", busy, connections)
          .isBetween(Math.min(ceiling, busy) * 0.5, ceiling * 1.01);
      assertThat(t.latency().p50()).isGreaterThanOrEqualTo(CONTENT_DELAY_MS);
      assertThat(r.closedLoop()).isTrue();
      assertThat(r.format()).contains("closed loop over 4 connections").doesNotContain("send lag");
      assertThat(r.toJson().getInteger("closed_loop_connections")).isEqualTo(connections);
      assertThat(progress).anyMatch(m -> m.startsWith("open: ") && m.contains("peak 4"));
      ctx.completeNow();
    })));
  }
}
