package dev.modelmux.server;

import dev.modelmux.api.RequestIds;
import dev.modelmux.core.Dialect;
import dev.modelmux.core.ErrorKind;
import dev.modelmux.core.GatewayError;
import dev.modelmux.errors.ErrorResponses;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The completion endpoints' admission: at most {@code server.max_in_flight} requests and streams in the whole process,
 * each counted until its response ends or its connection closes. One more is refused at once (503, Anthropic's 529)
 * with a retry-after, rather than queued behind the others into a slow collapse. Shared by every front verticle.
 */
final class LoadShedder {
  private static final long RETRY_AFTER_MS = 1000;

  private final int maxInFlight;
  private final AtomicInteger inFlight = new AtomicInteger();
  /** The responses admitted and not yet ended, so each is counted out exactly once. */
  private final Set<HttpServerResponse> admitted = ConcurrentHashMap.newKeySet();
  private final Map<Dialect, Counter> shed = new EnumMap<>(Dialect.class);
  private final GatewayError overloaded;

  LoadShedder(int maxInFlight, MeterRegistry registry) {
    this.maxInFlight = maxInFlight;
    for (Dialect dialect : Dialect.values()) {
      shed.put(dialect, Counter.builder("modelmux_shed_total").description("Requests refused because max_in_flight were open")
          .tag("dialect", dialect.name().toLowerCase(Locale.ROOT)).register(registry));
    }
    overloaded = new GatewayError(503, ErrorKind.OVERLOADED,
        "The gateway is serving its maximum of " + maxInFlight + " requests at once; please retry shortly.", null, null, RETRY_AFTER_MS);
  }

  /** Requests and streams admitted whose response has not ended yet. */
  int inFlight() {
    return inFlight.get();
  }

  Handler<RoutingContext> admit(Dialect dialect) {
    return ctx -> {
      if (inFlight.incrementAndGet() > maxInFlight) {
        inFlight.decrementAndGet();
        shed.get(dialect).increment();
        ErrorResponses.send(ctx.response(), dialect, RequestIds.of(ctx.request()), overloaded);
        return;
      }
      admitted.add(ctx.response());
      ctx.next();
    };
  }

  /** A response ended, or its connection closed before it did (told by the front door, which owns the end handler). */
  void ended(HttpServerResponse response) {
    if (admitted.remove(response)) {
      inFlight.decrementAndGet();
    }
  }
}
