package dev.modelmux.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxTestContext;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class EmulatorFaultTest extends EmulatorTestBase {

  @Override
  protected List<EmulatedModel> models() {
    List<EmulatedModel> models = new ArrayList<>(super.models());
    models.add(new EmulatedModel("slow", 0, 20, 8192, 0, 0, Fault.NONE));
    models.add(new EmulatedModel("broken", 0, 0, 8192, 0, 0, Fault.status(500)));
    models.add(new EmulatedModel("claude-2", 0, 0, 100000, 0, 0, Fault.NONE));
    return models;
  }

  private static JsonObject words(String model, int n) {
    return Http.chat(model, "words: " + n);
  }

  /** Resolves with the model name the next time a peer close is reported. */
  private Future<String> nextPeerClose() {
    Promise<String> closed = Promise.promise();
    emulator.onPeerClosed(closed::tryComplete);
    return closed.future();
  }

  @Test
  void statusFaultsUseOpenAiBodiesAndTimesCountsDown(VertxTestContext ctx) {
    emulator.setFault("gpt-4", Fault.status(500).times(1));
    http.post(words("gpt-4", 3)).compose(reply -> {
      assertThat(reply.status()).isEqualTo(500);
      assertThat(reply.error().getString("type")).isEqualTo("server_error");
      assertThat(reply.error().getString("message"))
          .isEqualTo("The server had an error while processing your request. Sorry about that!");
      assertThat(reply.headers().get("x-request-id")).isNotBlank();
      assertThat(emulator.fault("gpt-4")).isEqualTo(Fault.NONE);
      return http.post(words("gpt-4", 3));
    }).compose(reply -> {
      assertThat(reply.status()).isEqualTo(200);
      emulator.setFault("gpt-4", Fault.status(429).times(2));
      return http.post(words("gpt-4", 3));
    }).compose(reply -> {
      assertThat(reply.status()).isEqualTo(429);
      assertThat(reply.error().getString("code")).isEqualTo("rate_limit_exceeded");
      assertThat(reply.error().getString("type")).isEqualTo("requests");
      assertThat(reply.headers().get("retry-after")).isEqualTo("1");
      assertThat(reply.headers().get("retry-after-ms")).isEqualTo("1000");
      assertThat(reply.headers().get("x-ratelimit-remaining-requests")).isEqualTo("0");
      assertThat(reply.headers().get("x-ratelimit-remaining-tokens")).isEqualTo("0");
      assertThat(emulator.fault("gpt-4").times()).isEqualTo(1);
      emulator.setFault("gpt-4", Fault.status(502));
      return http.post(words("gpt-4", 3));
    }).compose(reply -> {
      assertThat(reply.status()).isEqualTo(502);
      assertThat(reply.headers().get("content-type")).startsWith("text/html");
      assertThat(reply.body().toString()).contains("502 Bad Gateway");
      emulator.setFault("gpt-4", Fault.status(503));
      return http.post(words("gpt-4", 3));
    }).compose(reply -> {
      assertThat(reply.status()).isEqualTo(503);
      assertThat(reply.error().getString("message")).contains("overloaded");
      emulator.setFault("gpt-4", Fault.status(400));
      return http.post(words("gpt-4", 3));
    }).map(reply -> {
      assertThat(reply.status()).isEqualTo(400);
      assertThat(reply.error().getString("type")).isEqualTo("invalid_request_error");
      ModelStats stats = emulator.stats("gpt-4");
      assertThat(stats.faults()).isEqualTo(5);
      assertThat(stats.rateLimited()).isEqualTo(1);
      assertThat(stats.errors()).isEqualTo(4);
      return null;
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void clearFaultsRestoresTheConfiguredOnes(VertxTestContext ctx) {
    emulator.setFault("broken", Fault.NONE);
    emulator.setFault("gpt-4", Fault.status(503));
    http.post(words("broken", 2)).compose(reply -> {
      assertThat(reply.status()).isEqualTo(200);
      emulator.clearFaults();
      return http.post(words("broken", 2));
    }).compose(reply -> {
      assertThat(reply.status()).isEqualTo(500);
      return http.post(words("gpt-4", 2));
    }).map(reply -> {
      assertThat(reply.status()).isEqualTo(200);
      return null;
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void adminEndpointSwitchesFaults(VertxTestContext ctx) {
    JsonObject fault = Fault.status(503).times(2).toJson();
    http.send(HttpMethod.PUT, "/_emulator/models/gpt-4/fault", null, fault.toBuffer()).compose(put -> {
      assertThat(put.status()).isEqualTo(200);
      return http.post(words("gpt-4", 2));
    }).compose(first -> {
      assertThat(first.status()).isEqualTo(503);
      return http.send(HttpMethod.GET, "/_emulator/models/gpt-4/fault", null, null);
    }).compose(get -> {
      assertThat(Fault.fromJson(get.json())).isEqualTo(Fault.status(503).times(1));
      return http.post(words("gpt-4", 2));
    }).compose(second -> {
      assertThat(second.status()).isEqualTo(503);
      return http.post(words("gpt-4", 2));
    }).compose(third -> {
      assertThat(third.status()).isEqualTo(200);
      return http.send(HttpMethod.PUT, "/_emulator/models/gpt-4/fault", null, new JsonObject().put("kind", "bogus").toBuffer());
    }).compose(bad -> {
      assertThat(bad.status()).isEqualTo(400);
      assertThat(bad.error().getString("message")).isEqualTo("kind: unknown fault 'bogus' (known: none, status, "
          + "reset_before_headers, no_response, slow_first_token, cut, stall, malformed_chunk, missing_done, content_filter, stream_error, reject_prefill, plain_status)");
      return http.send(HttpMethod.PUT, "/_emulator/models/gpt-4/fault", null, Fault.status(500).toJson().toBuffer());
    }).compose(put -> http.send(HttpMethod.DELETE, "/_emulator/models/gpt-4/fault", null, null)).compose(deleted -> {
      assertThat(deleted.status()).isEqualTo(200);
      return http.post(words("gpt-4", 2));
    }).compose(ok -> {
      assertThat(ok.status()).isEqualTo(200);
      return http.send(HttpMethod.GET, "/_emulator/stats", null, null);
    }).map(stats -> {
      JsonObject gpt4 = stats.json().getJsonObject("gpt-4");
      assertThat(gpt4.getLong("requests")).isEqualTo(4);
      assertThat(gpt4.getLong("faults")).isEqualTo(2);
      assertThat(gpt4.getLong("ok")).isEqualTo(2);
      return null;
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void resetBeforeHeadersClosesWithoutAResponse(VertxTestContext ctx) {
    emulator.setFault("gpt-4", Fault.of(Fault.Kind.RESET_BEFORE_HEADERS).times(1));
    http.post(words("gpt-4", 2)).transform(result -> {
      assertThat(result.failed()).isTrue();
      return http.post(words("gpt-4", 2));
    }).map(reply -> {
      assertThat(reply.status()).isEqualTo(200);
      assertThat(emulator.stats("gpt-4").peerClosed()).isZero();
      return null;
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void noResponseNeverAnswersButNoticesThePeerLeaving(VertxTestContext ctx) {
    emulator.setFault("gpt-4", Fault.of(Fault.Kind.NO_RESPONSE));
    Future<String> closed = nextPeerClose();
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(emulator.port())
        .setURI("/v1/chat/completions").putHeader("authorization", "Bearer k").setIdleTimeout(150);
    client.request(options).compose(req -> req.send(words("gpt-4", 2).toBuffer())).transform(result -> {
      assertThat(result.failed()).isTrue();
      return closed;
    }).map(model -> {
      assertThat(model).isEqualTo("gpt-4");
      assertThat(emulator.stats("gpt-4").peerClosed()).isEqualTo(1);
      return null;
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void noResponseWithADelayClosesTheConnectionAfterItWithoutAnswering(VertxTestContext ctx) {
    emulator.setFault("gpt-4", Fault.of(Fault.Kind.NO_RESPONSE).delayMs(300));
    long start = System.nanoTime();
    http.post(words("gpt-4", 2)).transform(result -> {
      assertThat(result.failed()).as("closed, never answered").isTrue();
      assertThat((System.nanoTime() - start) / 1_000_000).isBetween(300L, 10_000L);
      assertThat(emulator.stats("gpt-4").peerClosed()).isZero();
      return Future.succeededFuture();
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void slowFirstTokenDelaysStreamsAndBodies(VertxTestContext ctx) {
    emulator.setFault("gpt-4", Fault.of(Fault.Kind.SLOW_FIRST_TOKEN).delayMs(120));
    long start = System.nanoTime();
    long[] firstContentAt = {0};
    http.stream(words("gpt-4", 3), (event, resp) -> {
      if (firstContentAt[0] == 0 && event.data().contains("\"content\":\"") && !event.data().contains("\"role\"")) {
        firstContentAt[0] = System.nanoTime();
      }
    }).compose(s -> {
      assertThat(s.done()).isTrue();
      assertThat((firstContentAt[0] - start) / 1_000_000).isGreaterThanOrEqualTo(120);
      long bodyStart = System.nanoTime();
      return http.post(words("gpt-4", 3)).map(reply -> {
        assertThat(reply.status()).isEqualTo(200);
        assertThat((System.nanoTime() - bodyStart) / 1_000_000).isGreaterThanOrEqualTo(120);
        return null;
      });
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void cutStreamsSomeTokensThenClosesWithoutDone(VertxTestContext ctx) {
    emulator.setFault("gpt-4", Fault.of(Fault.Kind.CUT).afterTokens(2));
    JsonObject body = words("gpt-4", 10);
    String expected = String.join("", AnswerText.pieces(AnswerText.of(body.getJsonArray("messages"))).subList(0, 2));
    http.stream(body).compose(s -> {
      assertThat(s.ended()).isFalse();
      assertThat(s.done()).isFalse();
      assertThat(s.events()).hasSize(3);
      assertThat(s.text()).isEqualTo(expected);
      return http.post(body).transform(result -> {
        assertThat(result.failed()).isTrue();
        return Future.succeededFuture();
      });
    }).map(v -> {
      assertThat(emulator.stats("gpt-4").peerClosed()).isZero();
      assertThat(emulator.stats("gpt-4").streamsCompleted()).isZero();
      return null;
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void stallGoesSilentUntilThePeerLeaves(VertxTestContext ctx) {
    emulator.setFault("gpt-4", Fault.of(Fault.Kind.STALL).afterTokens(2));
    Future<String> closed = nextPeerClose();
    int[] contentEvents = {0};
    http.stream(words("gpt-4", 10), (event, resp) -> {
      if (event.data().contains("\"content\":\"") && !event.data().contains("\"role\"") && ++contentEvents[0] == 2) {
        resp.request().connection().close();
      }
    }).compose(s -> {
      assertThat(s.ended()).isFalse();
      assertThat(s.events()).hasSize(3);
      return closed;
    }).map(model -> {
      assertThat(model).isEqualTo("gpt-4");
      return null;
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void malformedChunkIsTruncatedJsonThenTheStreamContinues(VertxTestContext ctx) {
    emulator.setFault("gpt-4", Fault.of(Fault.Kind.MALFORMED_CHUNK).afterTokens(1));
    JsonObject body = words("gpt-4", 4);
    String expected = AnswerText.of(body.getJsonArray("messages"));
    http.stream(body).compose(s -> {
      assertThat(s.done()).isTrue();
      assertThat(s.events().get(2).data()).isEqualTo("{\"id\":\"chatcmpl-x\",\"choices\":[{\"delta\":{\"content\":");
      StringBuilder text = new StringBuilder();
      for (int i = 0; i < s.events().size() - 1; i++) {
        if (i == 2) {
          continue;
        }
        JsonObject chunk = new JsonObject(s.events().get(i).data());
        String piece = chunk.getJsonArray("choices").getJsonObject(0).getJsonObject("delta").getString("content");
        text.append(piece == null ? "" : piece);
      }
      assertThat(text.toString()).isEqualTo(expected);
      return http.post(body);
    }).map(reply -> {
      assertThat(reply.status()).isEqualTo(200);
      try {
        reply.json();
        throw new AssertionError("body should not be JSON: " + reply.body());
      } catch (DecodeException expectedFailure) {
        return null;
      }
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void missingDoneSendsEverythingButTheTerminator(VertxTestContext ctx) {
    emulator.setFault("gpt-4", Fault.of(Fault.Kind.MISSING_DONE));
    Future<String> closed = nextPeerClose();
    JsonObject body = words("gpt-4", 4).put("stream_options", new JsonObject().put("include_usage", true));
    http.stream(body, (event, resp) -> {
      if (event.data().contains("\"choices\":[]")) {
        resp.request().connection().close(); // the usage chunk came; [DONE] never will
      }
    }).compose(s -> {
      assertThat(s.done()).isFalse();
      assertThat(s.last().getJsonObject("usage").getInteger("completion_tokens")).isPositive();
      assertThat(s.text()).isEqualTo(AnswerText.of(body.getJsonArray("messages")));
      return closed;
    }).map(model -> {
      assertThat(emulator.stats("gpt-4").streamsCompleted()).isZero();
      assertThat(emulator.stats("gpt-4").peerClosed()).isEqualTo(1);
      return null;
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void peerClosingMidStreamIsReportedAndStopsTheStream(VertxTestContext ctx) {
    Future<String> closed = nextPeerClose();
    long[] closedAt = {0};
    http.stream(words("slow", 200), (event, resp) -> { // 4 s of answer at 20 ms a token
      if (event.data().contains("\"content\":\"") && !event.data().contains("\"role\"") && closedAt[0] == 0) {
        closedAt[0] = System.nanoTime();
        resp.request().connection().close();
      }
    }).compose(s -> {
      assertThat(s.done()).isFalse();
      return closed;
    }).map(model -> {
      assertThat(model).isEqualTo("slow");
      assertThat((System.nanoTime() - closedAt[0]) / 1_000_000).as("ms until the close was seen, long before the answer's end")
          .isLessThan(2_000);
      ModelStats stats = emulator.stats("slow");
      assertThat(stats.peerClosed()).isEqualTo(1);
      assertThat(stats.streamsCompleted()).isZero();
      return null;
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void contentFilterFaultIsAPromptFilter400(VertxTestContext ctx) {
    emulator.setFault("gpt-4", Fault.of(Fault.Kind.CONTENT_FILTER).times(1));
    http.post(words("gpt-4", 3)).compose(reply -> {
      assertThat(reply.status()).isEqualTo(400);
      JsonObject error = reply.error();
      assertThat(error.getString("code")).isEqualTo("content_filter");
      assertThat(error.getString("param")).isEqualTo("prompt");
      assertThat(error.getString("message")).contains("content management policy");
      JsonObject inner = error.getJsonObject("innererror");
      assertThat(inner.getString("code")).isEqualTo("ResponsibleAIPolicyViolation");
      assertThat(inner.getJsonObject("content_filter_result").getJsonObject("sexual").getBoolean("filtered")).isTrue();
      assertThat(emulator.stats("gpt-4").errors()).isEqualTo(1);
      return http.post(words("gpt-4", 3));
    }).map(reply -> {
      assertThat(reply.status()).isEqualTo(200);
      return null;
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void streamErrorSendsAnInBandErrorAfterSomeTokens(VertxTestContext ctx) {
    emulator.setFault("gpt-4", Fault.of(Fault.Kind.STREAM_ERROR).afterTokens(2));
    JsonObject body = words("gpt-4", 10);
    String expected = String.join("", AnswerText.pieces(AnswerText.of(body.getJsonArray("messages"))).subList(0, 2));
    http.stream(body).compose(s -> {
      assertThat(s.status()).isEqualTo(200);
      assertThat(s.done()).isFalse();
      assertThat(s.events()).hasSize(4);
      assertThat(s.text()).isEqualTo(expected);
      assertThat(new JsonObject(s.events().get(3).data())).isEqualTo(new JsonObject("""
          {"error":{"message":"The server had an error while processing your request. Sorry about that!",
           "type":"server_error","param":null,"code":null}}"""));
      assertThat(emulator.stats("gpt-4").streamsCompleted()).isZero();
      return http.post(body);
    }).map(reply -> {
      assertThat(reply.status()).isEqualTo(500);
      assertThat(reply.error().getString("type")).isEqualTo("server_error");
      return null;
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void newFaultKindsRoundTripThroughJson() {
    Fault filter = Fault.fromJson(new JsonObject().put("kind", "content_filter").put("times", 2));
    assertThat(filter).isEqualTo(Fault.of(Fault.Kind.CONTENT_FILTER).times(2));
    Fault streamError = Fault.of(Fault.Kind.STREAM_ERROR).afterTokens(3);
    assertThat(streamError.toJson().getString("kind")).isEqualTo("stream_error");
    assertThat(Fault.fromJson(streamError.toJson())).isEqualTo(streamError);
  }

  @Test
  void rejectPrefillRefusesOnlyAConversationThatEndsWithTheAssistant(VertxTestContext ctx) {
    emulator.setFault("claude-2", Fault.of(Fault.Kind.REJECT_PREFILL));
    JsonObject prefilled = EmulatorAnthropicTest.body("claude-2", "words: 5");
    prefilled.getJsonArray("messages").add(new JsonObject().put("role", "assistant").put("content", "one"));
    http.post("/v1/messages", EmulatorAnthropicTest.headers(), prefilled).compose(reply -> {
      assertThat(reply.status()).isEqualTo(400);
      assertThat(reply.json().getJsonObject("error").getString("type")).isEqualTo("invalid_request_error");
      assertThat(reply.json().getJsonObject("error").getString("message")).contains("prefill");
      return http.post("/v1/messages", EmulatorAnthropicTest.headers(), EmulatorAnthropicTest.body("claude-2", "words: 5"));
    }).compose(reply -> {
      assertThat(reply.status()).isEqualTo(200);
      JsonObject openAiPrefill = words("gpt-4", 5);
      openAiPrefill.getJsonArray("messages").add(new JsonObject().put("role", "assistant").put("content", "one"));
      emulator.setFault("gpt-4", Fault.of(Fault.Kind.REJECT_PREFILL));
      return http.post(openAiPrefill);
    }).compose(reply -> {
      assertThat(reply.status()).isEqualTo(400);
      assertThat(reply.error().getString("param")).isEqualTo("messages");
      assertThat(emulator.fault("claude-2").kind()).isEqualTo(Fault.Kind.REJECT_PREFILL);
      return http.post(words("gpt-4", 3));
    }).onComplete(ctx.succeeding(reply -> ctx.verify(() -> {
      assertThat(reply.status()).isEqualTo(200);
      ctx.completeNow();
    })));
  }

  @Test
  void aFaultWithForMsLastsThatLongThenTheModelIsHealthy(Vertx vertx, VertxTestContext ctx) {
    emulator.setFault("gpt-4", Fault.status(503).forMs(600_000));
    http.post(words("gpt-4", 3)).compose(reply -> {
      assertThat(reply.status()).isEqualTo(503);
      assertThat(emulator.fault("gpt-4").forMs()).isEqualTo(600_000);
      emulator.setFault("gpt-4", Fault.status(503).forMs(1));
      return vertx.timer(20).compose(v -> http.post(words("gpt-4", 3)));
    }).onComplete(ctx.succeeding(reply -> ctx.verify(() -> {
      assertThat(reply.status()).isEqualTo(200);
      assertThat(emulator.fault("gpt-4")).isEqualTo(Fault.NONE);
      Fault flap = Fault.status(503).forMs(6000);
      assertThat(flap.toJson().getLong("for_ms")).isEqualTo(6000);
      assertThat(Fault.fromJson(flap.toJson())).isEqualTo(flap);
      ctx.completeNow();
    })));
  }
}
