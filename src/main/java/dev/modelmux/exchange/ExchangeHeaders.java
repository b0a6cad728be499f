package dev.modelmux.exchange;

import dev.modelmux.fit.ContextTrimmer;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;

/** The headers that say which request an answer (or an error) is, and how it was served: route, deployment, attempts. */
final class ExchangeHeaders {
  private static final CharSequence REQUEST_ID = HttpHeaders.createOptimized("x-request-id");
  /** Echoed when the call was taken as eval traffic, so eval can tell whether the gateway honoured its tag. */
  private static final CharSequence EVAL_RUN = HttpHeaders.createOptimized("x-modelmux-eval");
  private static final CharSequence ROUTE = HttpHeaders.createOptimized("x-modelmux-route");
  private static final CharSequence DEPLOYMENT = HttpHeaders.createOptimized("x-modelmux-deployment");
  private static final CharSequence TRIMMED = HttpHeaders.createOptimized(ContextTrimmer.HEADER);
  private static final CharSequence ATTEMPTS = HttpHeaders.createOptimized("x-modelmux-attempts");
  private static final CharSequence FALLBACKS = HttpHeaders.createOptimized("x-modelmux-fallbacks");
  private static final CharSequence PROMPT = HttpHeaders.createOptimized("x-modelmux-prompt");

  private ExchangeHeaders() {}

  static void identify(Exchange exchange, MultiMap headers) {
    headers.set(REQUEST_ID, exchange.request().requestId());
    if (exchange.route() != null) {
      headers.set(ROUTE, exchange.route());
    }
    headers.set(DEPLOYMENT, exchange.deploymentId() == null ? "none" : exchange.deploymentId());
    if (exchange.tokensTrimmed() > 0) {
      headers.set(TRIMMED, Integer.toString(exchange.tokensTrimmed()));
    }
    if (exchange.prompt() != null) {
      headers.set(PROMPT, exchange.prompt());
    }
    if (exchange.attempts() > 0) {
      headers.set(ATTEMPTS, Integer.toString(exchange.attempts()));
      headers.set(FALLBACKS, Integer.toString(exchange.fallbacks()));
    }
    if (exchange.evalRun() != null) {
      headers.set(EVAL_RUN, exchange.evalRun());
    }
  }
}
