package dev.modelmux.emulator;

import dev.modelmux.tokens.TokenCounter;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.LongSupplier;

/**
 * The built-in provider emulator: an HTTP server that speaks OpenAI Chat Completions, Azure OpenAI
 * and Anthropic Messages for the configured models, with deterministic answers ({@link AnswerText},
 * the same text in every dialect for the same conversation), exact usage, context windows, per-key
 * RPM/TPM limits, and faults that can be switched at run time. Limits, faults and stats are per
 * emulated model, shared by all dialects.
 *
 * <p>Endpoints: {@code POST /v1/chat/completions} (OpenAI), {@code POST
 * /openai/deployments/{model}/chat/completions?api-version=...} (Azure OpenAI, the deployment names the
 * model), {@code POST /v1/messages} (Anthropic), {@code GET /v1/models}, and the control endpoints of
 * {@link AdminHandler} (on its own port when it runs alone, on the gateway's admin listener when embedded). All
 * public methods are thread-safe.
 */
public final class Emulator {
  private final Vertx vertx;
  private final Map<String, EmulatedModel> models;
  private final Map<String, ModelCounters> counters;
  private final RateLimits limits;
  private final FaultBoard faults;
  private final Admission admission;
  private final List<Handler<String>> peerClosedListeners = new CopyOnWriteArrayList<>();
  private final ChatHandler openAiChat;
  private final ChatHandler azureChat;
  private final ChatHandler anthropicChat;
  private final AdminHandler admin;
  private final List<ScriptedAnswer> answers;
  private final boolean controlsOnItsPort;
  private volatile HttpServer server;
  private volatile boolean closing;

  private Emulator(Vertx vertx, EmulatorConfig config, LongSupplier clockMs, boolean controlsOnItsPort) {
    this.vertx = vertx;
    this.controlsOnItsPort = controlsOnItsPort;
    Map<String, EmulatedModel> byName = new LinkedHashMap<>();
    Map<String, ModelCounters> stats = new LinkedHashMap<>();
    List<EmulatedModel> configured = config.models() == null || config.models().isEmpty()
        ? EmulatorConfig.defaultModels() : config.models();
    for (EmulatedModel model : configured) {
      byName.put(model.name(), model);
      stats.put(model.name(), new ModelCounters());
    }
    this.models = Collections.unmodifiableMap(byName);
    this.counters = Collections.unmodifiableMap(stats);
    this.limits = new RateLimits(clockMs);
    this.faults = new FaultBoard(models);
    this.admission = new Admission(models, limits);
    this.openAiChat = new ChatHandler(vertx, new OpenAiFormat(), this);
    this.azureChat = new ChatHandler(vertx, new AzureFormat(), this);
    this.anthropicChat = new ChatHandler(vertx, new AnthropicFormat(), this);
    this.admin = new AdminHandler(this);
    this.answers = config.answers() == null ? List.of() : config.answers();
  }

  /** The canned answers of the config's {@code answers:} list, in order. */
  List<ScriptedAnswer> answers() {
    return answers;
  }

  /** Loads the token encodings (off the event loop), then binds {@code config.host():config.port()} (0 = a free port). */
  public static Future<Emulator> start(Vertx vertx, EmulatorConfig config) {
    return start(vertx, config, () -> System.nanoTime() / 1_000_000);
  }

  /** As {@link #start(Vertx, EmulatorConfig)}, with the clock (milliseconds) the rate-limit windows use. */
  public static Future<Emulator> start(Vertx vertx, EmulatorConfig config, LongSupplier clockMs) {
    return start(new Emulator(vertx, config, clockMs, true), vertx, config);
  }

  /**
   * The emulator inside a gateway: its port serves the provider endpoints only; the control endpoints are served
   * through {@link #controls()} on the gateway's admin listener, so that whoever reaches the emulator's port (as the
   * gateway does) cannot switch its faults.
   */
  public static Future<Emulator> startEmbedded(Vertx vertx, EmulatorConfig config) {
    return start(new Emulator(vertx, config, () -> System.nanoTime() / 1_000_000, false), vertx, config);
  }

  /** The control endpoints ({@code /_emulator/...}, see {@link AdminHandler}), for a router to mount. */
  public Handler<HttpServerRequest> controls() {
    return admin::handle;
  }

  private static Future<Emulator> start(Emulator emulator, Vertx vertx, EmulatorConfig config) {
    String host = config.host() == null ? "127.0.0.1" : config.host();
    return vertx.executeBlocking(() -> {
          TokenCounter.warmUp();
          return null;
        }, false)
        .compose(v -> vertx.createHttpServer(new HttpServerOptions().setHost(host).setPort(config.port()))
            .requestHandler(emulator::route)
            .listen())
        .map(server -> {
          emulator.server = server;
          return emulator;
        });
  }

  /** The port actually bound. */
  public int port() {
    return server.actualPort();
  }

  /** Switches {@code model}'s fault now ({@link Fault#NONE} clears it); {@code times} requests, or until changed when 0. */
  public void setFault(String model, Fault fault) {
    faults.set(model, fault);
  }

  /** Puts every model back on its configured fault. */
  public void clearFaults() {
    faults.reset();
  }

  /** The fault {@code model} plays now (its remaining {@code times} included). */
  public Fault fault(String model) {
    return faults.current(model);
  }

  /** A snapshot of what {@code model} saw; throws IllegalArgumentException for a model not served. */
  public ModelStats stats(String model) {
    ModelCounters c = counters.get(model);
    if (c == null) {
      throw new IllegalArgumentException("unknown model '" + model + "'");
    }
    return c.snapshot(limits.maxRequests(model), limits.maxTokens(model));
  }

  /**
   * When each chat request naming {@code model} arrived (System.nanoTime), oldest first; the latest 10,000. Throws
   * IllegalArgumentException for a model not served.
   */
  public List<Long> arrivals(String model) {
    ModelCounters c = counters.get(model);
    if (c == null) {
      throw new IllegalArgumentException("unknown model '" + model + "'");
    }
    return c.arrivals();
  }

  /** Called, on the emulator's event loop, with the model name whenever a client closes a connection mid-request. */
  public void onPeerClosed(Handler<String> listener) {
    peerClosedListeners.add(Objects.requireNonNull(listener));
  }

  /** The served model names, in configuration order. */
  public List<String> modelNames() {
    return new ArrayList<>(models.keySet());
  }

  /** Stops listening and closes open connections (not reported as peer closes). */
  public Future<Void> close() {
    closing = true;
    return server == null ? Future.succeededFuture() : server.close();
  }

  // ---- shared with the handlers ----

  EmulatedModel model(String name) {
    return name == null ? null : models.get(name);
  }

  ModelCounters counters(String model) {
    return model == null ? null : counters.get(model);
  }

  Admission admission() {
    return admission;
  }

  FaultBoard faults() {
    return faults;
  }

  RateLimitState rateLimitState(String key, String model) {
    return limits.state(key, models.get(model));
  }

  boolean closing() {
    return closing;
  }

  void peerClosed(String model) {
    ModelCounters c = counters(model);
    if (c == null) {
      return;
    }
    c.peerClosed.increment();
    for (Handler<String> listener : peerClosedListeners) {
      listener.handle(model);
    }
  }

  private void route(HttpServerRequest request) {
    String path = request.path();
    if (path.equals("/v1/chat/completions") && request.method() == HttpMethod.POST) {
      openAiChat.handle(request);
    } else if (request.method() == HttpMethod.POST && AzureFormat.PATH.matcher(path).matches()) {
      azureChat.handle(request);
    } else if (path.equals("/v1/messages") && request.method() == HttpMethod.POST) {
      anthropicChat.handle(request);
    } else if (path.equals("/v1/models") && request.method() == HttpMethod.GET) {
      models(request);
    } else if (controlsOnItsPort && path.startsWith(AdminHandler.PREFIX)) {
      admin.handle(request);
    } else {
      request.response().setStatusCode(404).putHeader("content-type", "application/json")
          .end(new JsonObject().put("error", new JsonObject()
              .put("message", "Invalid URL (" + request.method() + " " + path + ")")
              .put("type", "invalid_request_error").put("param", null).put("code", null)).encode());
    }
  }

  private void models(HttpServerRequest request) {
    OpenAiFormat format = new OpenAiFormat();
    ResponseMeta meta = new ResponseMeta("req_" + UUID.randomUUID().toString().replace("-", ""), null,
        System.currentTimeMillis() / 1000, null, false);
    format.commonHeaders(request.response().headers(), meta, null);
    if (OpenAiRequests.apiKey(request) == null) {
      WireFormat.ErrorReply reply = format.error(ApiError.missingApiKey(), meta);
      request.response().setStatusCode(reply.status()).putHeader("content-type", reply.contentType()).end(reply.body());
      return;
    }
    request.response().putHeader("content-type", "application/json").end(OpenAiFormat.modelList(models.keySet()));
  }
}
