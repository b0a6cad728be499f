package dev.modelmux.gateway;

import dev.modelmux.budget.Reservation;
import dev.modelmux.core.ChatRequest;
import dev.modelmux.core.ErrorKind;
import dev.modelmux.core.GatewayError;
import dev.modelmux.core.GatewayException;
import dev.modelmux.dispatch.Dispatch;
import dev.modelmux.dispatch.Shared;
import dev.modelmux.errors.ErrorResponses;
import dev.modelmux.exchange.ClientResponse;
import dev.modelmux.exchange.Exchange;
import dev.modelmux.prompts.RouteGuard;
import dev.modelmux.prompts.TaskCall;
import dev.modelmux.prompts.Variant;
import dev.modelmux.routing.CandidatePlanner;
import dev.modelmux.routing.CandidatePlanner.Plan;
import dev.modelmux.routing.CandidatePlanner.Rendering;
import dev.modelmux.routing.Deployment;
import dev.modelmux.routing.Route;
import dev.modelmux.spi.Interaction;
import dev.modelmux.spi.PromptChoice;
import dev.modelmux.tokens.PromptTokens;
import dev.modelmux.upstream.UpstreamClients;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Serves one validated request: resolve the route, plan its candidates by size and headroom, dispatch, log. */
public final class ChatService {
  private static final Logger LOG = LoggerFactory.getLogger(ChatService.class);
  /**
   * Prompts at least this large (as JSON) are counted on a worker thread, never on the event loop. Counting costs up
   * to ~0.6 µs a char per encoding for the worst shapes (one long word), so this keeps a count on the loop under ~10 ms
   * (about 1 ms for prose) while most requests stay on it, with no hop.
   */
  private static final int COUNT_OFF_LOOP_BYTES = 16 * 1024;
  /**
   * Bodies at least this large are handled on a worker thread, never on the event loop: the endpoint's parsing and the
   * route's secret scan of a plain request.
   */
  public static final int OFF_LOOP_BYTES = 64 * 1024;

  private final Shared shared;
  private final Vertx vertx;
  private final UpstreamClients http;
  private final KeyAccounts keys;
  private final RequestEnds ends;

  /**
   * @param http this event loop's clients to the deployments
   * @param keys the client keys' own limits
   */
  public ChatService(Shared shared, UpstreamClients http, KeyAccounts keys) {
    this.shared = shared;
    this.vertx = shared.vertx();
    this.http = http;
    this.keys = keys;
    this.ends = new RequestEnds(shared, keys);
  }

  public void serve(ChatRequest request, HttpServerResponse response, long startNanos) {
    serve(request, null, null, response, startNanos);
  }

  /**
   * @param task the task the request calls (its variant is rendered per deployment family), or null for a plain request
   * @param clientKeyId the id of the client key that called (logged, never the key), or null
   */
  public void serve(ChatRequest request, TaskCall task, String clientKeyId, HttpServerResponse response, long startNanos) {
    serve(request, task, clientKeyId, null, response, startNanos);
  }

  /** @param evalRun the eval run an operator tagged the request with (logged as eval traffic), or null */
  public void serve(ChatRequest request, TaskCall task, String clientKeyId, String evalRun, HttpServerResponse response,
      long startNanos) {
    Exchange exchange = new Exchange(vertx, response, request, startNanos, shared.clientStallMs(), shared.tracer());
    exchange.clientKeyId(clientKeyId);
    exchange.evalRun(evalRun);
    Route route = shared.routes().resolve(task != null ? task.task().route() : request.model()).orElse(null);
    if (route == null) {
      GatewayError notFound = GatewayError.of(404, ErrorKind.NOT_FOUND,
          "The model `" + request.model() + "` does not exist or you do not have access to it.").withParam("model");
      exchange.response().fail(notFound);
      ends.refused(exchange, 404, "unknown_model", "unknown_model", Recording.NONE);
      return;
    }
    exchange.route(route.name());
    boolean recorded = shared.interactions().begin(Interaction.logId(clientKeyId, request.requestId()));
    if (recorded) {
      exchange.keepAnswer(shared.interactions().maxAnswerBytes());
    }
    if (task != null) {
      task.findingRules().forEach(rule -> shared.metrics().guard().finding(route.name(), task.task().name(), rule, task.guard().name()));
      guarded(exchange, route, request, task, task.findingRules(), task.refusal(), recorded);
      return;
    }
    // The route's scan of a plain request; a large one off the event loop, as its parsing was.
    Future<RouteGuard.Guarded> scan = request.bodyBytes() < OFF_LOOP_BYTES
        ? Future.succeededFuture(RouteGuard.apply(request, route.secretGuard(), route.name()))
        : vertx.executeBlocking(() -> RouteGuard.apply(request, route.secretGuard(), route.name()), false);
    scan.onComplete(done -> {
      RouteGuard.Guarded guarded = done.succeeded() ? done.result() : new RouteGuard.Guarded(request, List.of(),
          GatewayError.of(500, ErrorKind.INTERNAL, "The gateway failed to serve this request."));
      guarded.rules().forEach(rule -> shared.metrics().guard().finding(route.name(), null, rule, route.secretGuard()));
      guarded(exchange, route, guarded.request(), null, guarded.rules(), guarded.refusal(), recorded);
    });
  }

  /** After the secret guard: refused, or on to the candidates. */
  private void guarded(Exchange exchange, Route route, ChatRequest sent, TaskCall task, List<String> findings, GatewayError refusal,
      boolean recorded) {
    Recording recording = recorded ? new SampledRecording(shared.interactions(), exchange, sent, task, findings) : Recording.NONE;
    if (refusal != null) {
      exchange.response().fail(refusal);
      ends.refused(exchange, refusal.status(), "secret_refused", "rejected", recording);
      return;
    }
    dispatch(exchange, route, sent, task, recording);
  }

  private void dispatch(Exchange exchange, Route route, ChatRequest request, TaskCall task, Recording recording) {
    ClientResponse client = exchange.response();
    shared.exchanges().opened(client);
    AtomicReference<Reservation> keyHold = new AtomicReference<>();
    AtomicBoolean keyRefused = new AtomicBoolean();
    plan(route, request, task).compose(plan -> {
      if (plan.tooLarge() && task != null && plan.largestWindow() == 0) {
        return Future.failedFuture(new GatewayException(GatewayError.of(503, ErrorKind.OVERLOADED, "Task '" + task.task().name()
            + "' has no variant for the model families of route '" + route.name() + "'"
            + (task.familyPin() == null ? "." : " starting with '" + task.familyPin() + "'."))));
      }
      if (plan.tooLarge()) {
        return Future.failedFuture(new GatewayException(tooLarge(route, plan, request)));
      }
      // The key's own limits first: a key over them never reaches a deployment.
      return keys.reserve(exchange.clientKeyId(), plan.candidates().get(0).reserveTokens()).onFailure(e -> keyRefused.set(true)).compose(held -> {
        keyHold.set(held);
        return new Dispatch(shared, http, exchange, route, plan.candidates()).run();
      });
    }).onComplete(done -> {
      shared.exchanges().closed(client);
      route.meters().fallbacks(exchange.fallbacks());
      if (done.succeeded()) {
        ends.answered(exchange, route, keyHold.get(), done.result(), recording);
      } else {
        GatewayError error;
        if (done.cause() instanceof GatewayException e) {
          error = e.error();
        } else {
          LOG.error("request_id={} failed unexpectedly", request.requestId(), done.cause());
          error = GatewayError.of(500, ErrorKind.INTERNAL, "The gateway failed to serve this request.");
        }
        if (client.committed()) {
          client.endWithError(error); // never leave a started stream open
        } else {
          client.fail(error);
        }
        ends.failed(exchange, route, keyHold.get(), keyRefused.get(), error, ErrorResponses.status(request.dialect(), error), recording);
      }
    });
  }

  /**
   * A request refused before routing, for the metrics: unrouted, and under the client key that sent it.
   *
   * @param clientKeyId the key's id, or null when none was recognised
   * @param outcome {@code rejected} (bad input) or {@code forbidden} (a route outside the key's allowlist)
   */
  public void rejected(String clientKeyId, String outcome) {
    shared.metrics().unrouted().request("rejected");
    keys.refused(clientKeyId, outcome);
  }

  private Future<Plan> plan(Route route, ChatRequest request, TaskCall task) {
    Function<Deployment, Rendering> renderings = task == null ? sameFor(request) : perFamily(task);
    int rotation = shared.routes().nextRotation();
    if (countedOnLoop(route, request, renderings)) {
      return Future.succeededFuture(CandidatePlanner.plan(route, renderings, request.maxOutputTokens(), rotation));
    }
    return vertx.executeBlocking(() -> CandidatePlanner.plan(route, renderings, request.maxOutputTokens(), rotation), false);
  }

  /**
   * Whether every prompt the plan may count is small enough to count here. A task's rendering can be larger than the
   * call (a variable used twice), so a small call is rendered first (renderings are kept) and each rendering measured.
   */
  private static boolean countedOnLoop(Route route, ChatRequest request, Function<Deployment, Rendering> renderings) {
    if (request.bodyBytes() >= COUNT_OFF_LOOP_BYTES) {
      return false;
    }
    for (List<Deployment> tier : route.tiers()) {
      for (Deployment deployment : tier) {
        Rendering rendering = renderings.apply(deployment);
        if (rendering != null && rendering.tokens().request().bodyBytes() >= COUNT_OFF_LOOP_BYTES) {
          return false;
        }
      }
    }
    return true;
  }

  private static Function<Deployment, Rendering> sameFor(ChatRequest request) {
    Rendering same = new Rendering(new PromptTokens(request), null);
    return deployment -> same;
  }

  /** A task call is rendered with the variant of each deployment's family, once per variant; null where none serves. */
  private static Function<Deployment, Rendering> perFamily(TaskCall task) {
    Map<Variant, Rendering> byVariant = new HashMap<>();
    return deployment -> {
      Variant variant = task.variantFor(deployment.config().family());
      return variant == null ? null : byVariant.computeIfAbsent(variant, v ->
          new Rendering(new PromptTokens(task.renderFor(v)), new PromptChoice(v.label(), v::newFilter)));
    };
  }

  private static GatewayError tooLarge(Route route, Plan plan, ChatRequest request) {
    String output = request.maxOutputTokens() == null ? "" : " plus " + request.maxOutputTokens() + " requested for the completion";
    return new GatewayError(400, ErrorKind.CONTEXT_LENGTH_EXCEEDED,
        "This model's maximum context length is " + plan.largestWindow() + " tokens. However, your messages resulted in "
            + plan.promptTokens() + " tokens" + output + " (route '" + route.name() + "'). Please reduce the length of the messages or completion.",
        "messages", "context_length_exceeded", 0);
  }
}
