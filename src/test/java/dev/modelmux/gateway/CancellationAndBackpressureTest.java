package dev.modelmux.gateway;

import static dev.modelmux.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.modelmux.emulator.Fault;
import dev.modelmux.emulator.Fault.Kind;
import dev.modelmux.stream.SseParser;
import dev.modelmux.testing.Eventually;
import dev.modelmux.testing.GatewayFixture;
import dev.modelmux.testing.TestClient;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A client that leaves cancels the upstream call at once; a client that reads slowly slows the upstream read. */
@ExtendWith(VertxExtension.class)
class CancellationAndBackpressureTest {
  private static GatewayFixture fixture;
  private static TestClient client;
  private static HttpClient http;

  @BeforeAll
  static void start(Vertx vertx) {
    // Deadlines far from what is timed here, so a starved emulator (it shares this JVM) is not mistaken for a silent one.
    fixture = await(GatewayFixture.start(vertx, GatewayFixture.MODELS,
        GatewayFixture.STANDARD.replace("first_token_ms: 1500, idle_ms: 800", "first_token_ms: 10000, idle_ms: 5000"), ""));
    client = new TestClient(vertx, fixture.port());
    http = client.http();
  }

  @AfterAll
  static void stop() {
    await(client.close());
    await(fixture.close());
  }

  @AfterEach
  void clearFaults() {
    fixture.emulator.clearFaults();
  }

  private static HttpClientResponse open(String userText) {
    JsonObject body = StreamContractTest.request("solo", userText, true);
    return await(client.onContext(() -> http.request(new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1")
            .setPort(fixture.port()).setURI("/v1/chat/completions").putHeader("content-type", "application/json"))
        .compose(req -> req.send(body.encode()))
        .map(resp -> resp.pause()))); // nothing may be read before the test has set its handlers
  }

  @Test
  void aClientLeavingMidStreamClosesTheUpstreamAtOnce() {
    fixture.emulator.setFault("gpt-4", Fault.of(Kind.STALL).afterTokens(3));
    AtomicLong closedAt = new AtomicLong();
    Promise<Void> upstreamClosed = Promise.promise();
    fixture.emulator.onPeerClosed(model -> {
      closedAt.set(System.nanoTime());
      upstreamClosed.tryComplete();
    });
    HttpClientResponse response = open("words: 50");
    assertThat(response.statusCode()).isEqualTo(200);
    Promise<Void> firstContent = Promise.promise();
    response.handler(chunk -> {
      if (chunk.toString().contains("\"content\"")) {
        firstContent.tryComplete();
      }
    });
    response.resume();
    await(firstContent.future());

    long leftAt = System.nanoTime();
    response.request().connection().close();
    await(upstreamClosed.future());
    // Left open, the stalled upstream would be closed by idle_ms (5000) instead: half of that tells the two apart.
    assertThat((closedAt.get() - leftAt) / 1_000_000).as("ms until the emulator saw the upstream close").isLessThan(2_500);
  }

  @Test
  void aClientLeavingBeforeTheFirstTokenAlsoCancels() {
    fixture.emulator.setFault("gpt-4", Fault.of(Kind.SLOW_FIRST_TOKEN).delayMs(5000));
    Promise<Void> upstreamClosed = Promise.promise();
    AtomicLong closedAt = new AtomicLong();
    fixture.emulator.onPeerClosed(model -> {
      closedAt.set(System.nanoTime());
      upstreamClosed.tryComplete();
    });
    long before = fixture.emulator.stats("gpt-4").requests();
    var request = await(http.request(new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(fixture.port())
        .setURI("/v1/chat/completions").putHeader("content-type", "application/json")));
    request.send(StreamContractTest.request("solo", "words: 5", true).encode());
    // Headers are held until the first token, so wait for the emulator to have the request, then leave.
    Eventually.assertEventually(() -> assertThat(fixture.emulator.stats("gpt-4").requests()).isGreaterThan(before));
    long leftAt = System.nanoTime();
    request.connection().close();
    await(upstreamClosed.future());
    // Not cancelled, the upstream would close no sooner than its first token (5 s) brought a write to the gone client.
    assertThat((closedAt.get() - leftAt) / 1_000_000).as("ms until the emulator saw the upstream close").isLessThan(2_500);
  }

  @Test
  void aSlowReaderPausesTheUpstreamInsteadOfFillingTheHeap() {
    String userText = "words: 100000";
    HttpClientResponse response = open(userText);
    assertThat(response.statusCode()).isEqualTo(200);
    StringBuilder text = new StringBuilder();
    Promise<Void> done = Promise.promise();
    Promise<Void> firstEvent = Promise.promise();
    SseParser parser = new SseParser(event -> {
      if (event.data().equals("[DONE]")) {
        done.tryComplete();
      } else if (new JsonObject(event.data()).containsKey("error")) {
        done.tryFail(event.data());
      } else {
        var choices = new JsonObject(event.data()).getJsonArray("choices");
        if (!choices.isEmpty()) {
          String piece = choices.getJsonObject(0).getJsonObject("delta").getString("content");
          text.append(piece == null ? "" : piece);
        }
      }
      firstEvent.tryComplete();
    });
    response.handler(parser::handle);
    response.resume();
    await(firstEvent.future());
    response.pause();

    // With the client paused the emulator must stall on a full write queue, not run on to the end of its answer.
    long completedBefore = fixture.emulator.stats("gpt-4").streamsCompleted();
    Eventually.assertEventually(() -> {
      long before = fixture.emulator.stats("gpt-4").piecesSent();
      LockSupport.parkNanos(200_000_000);
      long after = fixture.emulator.stats("gpt-4").piecesSent();
      assertThat(after).as("pieces sent while the client is paused").isEqualTo(before).isPositive();
    });
    assertThat(fixture.emulator.stats("gpt-4").drainWaits()).isPositive();
    assertThat(fixture.emulator.stats("gpt-4").streamsCompleted()).isEqualTo(completedBefore);

    response.resume();
    await(done.future(), 180); // 100,000 words on two busy cores; only a stream that never ends takes 3 min
    assertThat(text.toString()).isEqualTo(StreamContractTest.answer(userText));
  }
}
