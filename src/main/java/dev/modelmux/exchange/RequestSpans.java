package dev.modelmux.exchange;

import dev.modelmux.core.GatewayError;
import dev.modelmux.routing.Deployment;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import java.util.Locale;

/**
 * The GenAI semantic conventions on spans: the request's own span (Vert.x's server span, current while the request
 * is served) gets the route, the answering model and the usage; each attempt gets a span of its own under it.
 */
public final class RequestSpans {
  private RequestSpans() {}

  public static String provider(Deployment deployment) {
    return switch (deployment.config().provider()) {
      case OPENAI -> "openai";
      case AZURE -> "azure.ai.openai";
      case ANTHROPIC -> "anthropic";
    };
  }

  /** Starts an attempt's span under the request's; a no-op span when tracing is off (a no-op tracer). */
  public static Span attempt(Tracer tracer, Deployment deployment, String route) {
    return tracer.spanBuilder("chat " + deployment.config().model()).setParent(Context.current()).setSpanKind(SpanKind.CLIENT)
        .setAttribute("gen_ai.operation.name", "chat").setAttribute("gen_ai.provider.name", provider(deployment))
        .setAttribute("gen_ai.request.model", route).setAttribute("gen_ai.response.model", deployment.config().model())
        .setAttribute("modelmux.deployment", deployment.id()).startSpan();
  }

  public static void ended(Span span, String outcome, long promptTokens, long completionTokens) {
    if (!span.getSpanContext().isValid()) {
      return;
    }
    usage(span, promptTokens, completionTokens);
    if (!"ok".equals(outcome)) {
      span.setAttribute("error.type", outcome).setStatus(StatusCode.ERROR);
    }
    span.end();
  }

  /**
   * The request's span, as the client saw the request, annotated just before its response ends (which ends the span;
   * the usage is on the attempts' spans, as it is settled after that).
   */
  static void request(Span span, String route, Deployment answered, GatewayError error) {
    if (!span.getSpanContext().isValid() || route == null) {
      return;
    }
    span.setAttribute("gen_ai.operation.name", "chat").setAttribute("gen_ai.request.model", route);
    if (answered != null) {
      span.setAttribute("gen_ai.provider.name", provider(answered)).setAttribute("gen_ai.response.model", answered.config().model());
    }
    if (error != null) {
      span.setAttribute("error.type", error.kind().name().toLowerCase(Locale.ROOT));
    }
  }

  private static void usage(Span span, long promptTokens, long completionTokens) {
    if (promptTokens >= 0) {
      span.setAttribute("gen_ai.usage.input_tokens", promptTokens);
    }
    if (completionTokens >= 0) {
      span.setAttribute("gen_ai.usage.output_tokens", completionTokens);
    }
  }
}
