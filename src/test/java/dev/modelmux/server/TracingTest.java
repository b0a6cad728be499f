package dev.modelmux.server;

import static dev.modelmux.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.modelmux.emulator.Fault;
import dev.modelmux.testing.GatewayFixture;
import dev.modelmux.testing.TestClient;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/**
 * Tracing with an in-memory exporter: the client's traceparent is taken, the request's span carries the GenAI
 * attributes, and each attempt (the failed primary and the fallback) has a span of its own under it.
 */
class TracingTest {
  private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";

  @Test
  void aRequestAndEachAttemptAreSpansOfTheClientsTrace() {
    InMemorySpanExporter spans = InMemorySpanExporter.create();
    OpenTelemetrySdk otel = OpenTelemetrySdk.builder()
        .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(spans)).build())
        .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance())).build();
    Vertx vertx = Tracing.vertx(Vertx.builder(), new VertxOptions(), otel);
    String deployments = GatewayFixture.CROSS.substring(0, GatewayFixture.CROSS.indexOf("routes:"))
        + "routes:\n  - name: code\n    tiers: [[oa-gpt4], [an-claude]]\n";
    GatewayFixture fixture = await(GatewayFixture.startTraced(vertx, GatewayFixture.CROSS_MODELS, deployments, "", otel));
    TestClient client = new TestClient(vertx, fixture.port());
    try {
      fixture.emulator.setFault("gpt-4", Fault.status(503));
      MultiMap headers = MultiMap.caseInsensitiveMultiMap().add("traceparent", "00-" + TRACE_ID + "-00f067aa0ba902b7-01");
      var reply = await(client.post("/v1/chat/completions", new JsonObject().put("model", "code")
          .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "say: traced"))).encode(),
          "application/json", headers));
      assertThat(reply.status()).isEqualTo(200);

      List<SpanData> finished = eventually(spans);
      SpanData request = finished.stream().filter(TracingTest::gateways).findFirst().orElseThrow();
      assertThat(request.getTraceId()).as("the client's trace").isEqualTo(TRACE_ID);
      assertThat(request.getAttributes().get(AttributeKey.stringKey("gen_ai.request.model"))).isEqualTo("code");
      assertThat(request.getAttributes().get(AttributeKey.stringKey("gen_ai.provider.name"))).isEqualTo("anthropic");
      assertThat(request.getAttributes().get(AttributeKey.stringKey("gen_ai.response.model"))).isEqualTo("claude-2");

      List<SpanData> attempts = finished.stream().filter(s -> s.getName().startsWith("chat ")).toList();
      assertThat(attempts).extracting(s -> s.getAttributes().get(AttributeKey.stringKey("modelmux.deployment")))
          .contains("oa-gpt4", "an-claude");
      assertThat(attempts.stream().filter(a -> "an-claude".equals(a.getAttributes().get(AttributeKey.stringKey("modelmux.deployment"))))
          .findFirst().orElseThrow().getAttributes().get(AttributeKey.longKey("gen_ai.usage.output_tokens"))).isPositive();
      assertThat(attempts).allSatisfy(a -> {
        assertThat(a.getTraceId()).isEqualTo(TRACE_ID);
        assertThat(a.getParentSpanId()).isEqualTo(request.getSpanId());
      });
      assertThat(attempts.stream().filter(a -> "oa-gpt4".equals(a.getAttributes().get(AttributeKey.stringKey("modelmux.deployment"))))
          .findFirst().orElseThrow().getAttributes().get(AttributeKey.stringKey("error.type"))).isNotNull();
    } finally {
      await(client.close());
      await(fixture.close());
      await(vertx.close());
      otel.close();
    }
  }

  /** The gateway's server span is the child of the client's (the emulator's, in the same process, are deeper). */
  private static boolean gateways(SpanData span) {
    return span.getKind() == SpanKind.SERVER && span.getParentSpanId().equals("00f067aa0ba902b7");
  }

  /**
   * The server span ends as the response does, a moment after the client has it; an attempt's span ends when its
   * usage is settled, which may be later still. Waits for the request's span and both attempts'.
   */
  private static List<SpanData> eventually(InMemorySpanExporter spans) {
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (System.nanoTime() < deadline) {
      List<SpanData> finished = spans.getFinishedSpanItems();
      if (finished.stream().anyMatch(TracingTest::gateways) && attempted(finished, "oa-gpt4") && attempted(finished, "an-claude")) {
        return finished;
      }
      LockSupport.parkNanos(1_000_000);
    }
    return spans.getFinishedSpanItems();
  }

  private static boolean attempted(List<SpanData> finished, String deployment) {
    return finished.stream().anyMatch(s -> s.getName().startsWith("chat ")
        && deployment.equals(s.getAttributes().get(AttributeKey.stringKey("modelmux.deployment"))));
  }
}
