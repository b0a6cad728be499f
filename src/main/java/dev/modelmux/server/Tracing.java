package dev.modelmux.server;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.tracing.opentelemetry.OpenTelemetryOptions;
import io.vertx.tracing.opentelemetry.OpenTelemetryTracingFactory;

/** Tracing through Vert.x's OpenTelemetry integration: server spans per request, W3C traceparent taken and passed on. */
public final class Tracing {
  private Tracing() {}

  /** An SDK exporting over OTLP/gRPC, as the config says. */
  public static OpenTelemetrySdk sdk(TracingConfig config) {
    SdkTracerProvider tracers = SdkTracerProvider.builder()
        .setResource(Resource.getDefault().merge(Resource.create(Attributes.builder().put("service.name", config.serviceName()).build())))
        .setSampler(Sampler.parentBased(Sampler.traceIdRatioBased(config.sampleRatio())))
        .addSpanProcessor(BatchSpanProcessor.builder(OtlpGrpcSpanExporter.builder().setEndpoint(config.otlpEndpoint().toString()).build())
            .build())
        .build();
    return OpenTelemetrySdk.builder().setTracerProvider(tracers)
        .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance())).build();
  }

  /** A Vert.x whose HTTP server and clients trace through {@code otel}. */
  public static Vertx vertx(VertxBuilder builder, VertxOptions options, OpenTelemetry otel) {
    return builder.with(options.setTracingOptions(new OpenTelemetryOptions())).withTracer(new OpenTelemetryTracingFactory(otel)).build();
  }
}
