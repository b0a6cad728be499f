package dev.modelmux.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelmux.stream.SseParser;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxTestContext;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class EmulatorTimingTest extends EmulatorTestBase {

  @Override
  protected List<EmulatedModel> models() {
    List<EmulatedModel> models = new ArrayList<>(super.models());
    models.add(new EmulatedModel("paced", 60, 10, 8192, 0, 0, Fault.NONE));
    return models;
  }

  @Test
  void streamsWaitTtftThenPaceTokens(VertxTestContext ctx) {
    long start = System.nanoTime();
    List<Long> at = new ArrayList<>();
    http.stream(Http.chat("paced", "words: 5"), (event, resp) -> at.add((System.nanoTime() - start) / 1_000_000))
        .map(s -> {
          assertThat(s.done()).isTrue();
          assertThat(at).hasSize(1 + 5 + 1 + 1);
          assertThat(at.get(1)).isGreaterThanOrEqualTo(60);
          assertThat(at.get(5) - at.get(1)).isGreaterThanOrEqualTo(40);
          return null;
        }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void bodiesWaitTtftPlusAllInterTokenGaps(VertxTestContext ctx) {
    long start = System.nanoTime();
    http.post(Http.chat("paced", "words: 5")).map(reply -> {
      assertThat(reply.status()).isEqualTo(200);
      assertThat((System.nanoTime() - start) / 1_000_000).isGreaterThanOrEqualTo(100);
      return null;
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aPausedReaderStillGetsTheWholeAnswerOnceItResumes(Vertx vertx, VertxTestContext ctx) {
    JsonObject body = Http.chat("gpt-4o", "words: 5000").put("stream", true);
    String expected = AnswerText.of(body.getJsonArray("messages"));
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(emulator.port())
        .setURI("/v1/chat/completions").putHeader("authorization", "Bearer k");
    Promise<String> text = Promise.promise();
    client.request(options).compose(req -> req.send(body.toBuffer())).onSuccess(resp -> {
      resp.pause();
      StringBuilder out = new StringBuilder();
      resp.handler(new SseParser(event -> {
        if (!event.data().equals("[DONE]")) {
          var choices = new JsonObject(event.data()).getJsonArray("choices");
          String piece = choices.isEmpty() ? null : choices.getJsonObject(0).getJsonObject("delta").getString("content");
          out.append(piece == null ? "" : piece);
        }
      }));
      resp.endHandler(v -> text.complete(out.toString()));
      vertx.setTimer(100, t -> resp.resume()); // long enough for the emulator to hit a full write queue
    }).onFailure(text::fail);
    text.future().map(received -> {
      assertThat(received).isEqualTo(expected);
      assertThat(emulator.stats("gpt-4o").streamsCompleted()).isEqualTo(1);
      return null;
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void veryLargePromptsAreCountedOffTheEventLoop(VertxTestContext ctx) {
    JsonObject body = Http.chat("gpt-4o", "lorem ipsum ".repeat(30_000) + "\nsay: big ok");
    assertThat(body.toBuffer().length()).isGreaterThan(ChatHandler.OFF_LOOP_BYTES);
    http.post(body).map(reply -> {
      assertThat(reply.status()).isEqualTo(200);
      assertThat(EmulatorChatTest.content(reply.json())).isEqualTo("big ok");
      assertThat(reply.json().getJsonObject("usage").getInteger("prompt_tokens")).isGreaterThan(30_000);
      return null;
    }).onComplete(ctx.succeedingThenComplete());
  }
}
