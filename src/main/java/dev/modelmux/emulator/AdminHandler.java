package dev.modelmux.emulator;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Chaos-drill endpoints: {@code GET /_emulator/stats}, and {@code GET|PUT|DELETE
 * /_emulator/models/{name}/fault} (PUT takes {@link Fault#toJson()}'s shape; DELETE sets {@link Fault#NONE}).
 */
final class AdminHandler {
  static final String PREFIX = "/_emulator/";
  private static final Pattern FAULT_PATH = Pattern.compile("^/_emulator/models/([^/]+)/fault$");

  private final Emulator emulator;

  AdminHandler(Emulator emulator) {
    this.emulator = emulator;
  }

  void handle(HttpServerRequest request) {
    String path = request.path();
    if (path.equals("/_emulator/stats") && request.method() == HttpMethod.GET) {
      JsonObject all = new JsonObject();
      for (String model : emulator.modelNames()) {
        all.put(model, emulator.stats(model).toJson());
      }
      reply(request, 200, all);
      return;
    }
    Matcher m = FAULT_PATH.matcher(path);
    if (!m.matches()) {
      reply(request, 404, error("no such admin endpoint: " + request.method() + " " + path));
      return;
    }
    String model = URLDecoder.decode(m.group(1), StandardCharsets.UTF_8);
    if (emulator.model(model) == null) {
      reply(request, 404, error("unknown model '" + model + "'"));
      return;
    }
    if (request.method() == HttpMethod.GET) {
      reply(request, 200, emulator.fault(model).toJson());
    } else if (request.method() == HttpMethod.DELETE) {
      emulator.setFault(model, Fault.NONE);
      reply(request, 200, Fault.NONE.toJson());
    } else if (request.method() == HttpMethod.PUT) {
      request.body().onSuccess(body -> {
        Fault fault;
        try {
          fault = Fault.fromJson(new JsonObject(body));
        } catch (DecodeException e) {
          reply(request, 400, error("body: not a JSON object"));
          return;
        } catch (IllegalArgumentException | ClassCastException e) {
          reply(request, 400, error(e.getMessage()));
          return;
        }
        emulator.setFault(model, fault);
        reply(request, 200, fault.toJson());
      });
    } else {
      reply(request, 405, error("method not allowed: " + request.method()));
    }
  }

  private static JsonObject error(String message) {
    return new JsonObject().put("error", new JsonObject().put("message", message));
  }

  private static void reply(HttpServerRequest request, int status, JsonObject body) {
    request.response().setStatusCode(status).putHeader("content-type", "application/json").end(body.encode());
  }
}
