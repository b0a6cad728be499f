package dev.modelmux.eval;

import dev.modelmux.config.Price;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs cases through a gateway as any client would: a non-streamed OpenAI-dialect call of {@code task:<name>} with
 * the case's variables, pinned to one model family ({@code x-modelmux-family}), so the gateway's own routing,
 * rendering and post-processing produce the answer the assertions check.
 */
public final class EvalRunner {
  private final URI gateway;
  private final String apiKey;
  private final Map<String, Price> prices;
  private final int parallel;
  private final String evalRun;
  private final AtomicInteger untagged = new AtomicInteger();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  /**
   * @param apiKey the client key to call with, or null (a gateway in protected mode serves loopback callers)
   * @param prices the price of each deployment id, for the cost column
   */
  public EvalRunner(URI gateway, String apiKey, Map<String, Price> prices, int parallel) {
    this(gateway, apiKey, prices, parallel, null);
  }

  /**
   * @param evalRun the run id every call is tagged with ({@code x-modelmux-eval}), so a running gateway logs them as eval
   *     traffic, left out of its costs and review queue; null for a gateway of eval's own
   */
  public EvalRunner(URI gateway, String apiKey, Map<String, Price> prices, int parallel, String evalRun) {
    this.gateway = gateway;
    this.apiKey = apiKey;
    this.prices = prices;
    this.parallel = parallel;
    this.evalRun = evalRun;
  }

  /** A run id for {@code eval --url}: the time it started (UTC) and a random suffix, e.g. eval-20261207T153700Z-1a2b3c. */
  public static String newRunId(Instant now) {
    return "eval-" + DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC).format(now)
        + "-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()).substring(2);
  }

  /** How many answered calls the gateway did not take as eval traffic (it did not echo the tag: not an operator's key). */
  public int untaggedCalls() {
    return untagged.get();
  }

  public List<CaseResult> run(List<EvalTarget> targets) throws InterruptedException {
    ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, parallel));
    try {
      List<Future<CaseResult>> pending = new ArrayList<>();
      for (EvalTarget target : targets) {
        for (EvalCase c : target.cases()) {
          pending.add(pool.submit(() -> runCase(target, c)));
        }
      }
      List<CaseResult> results = new ArrayList<>();
      for (Future<CaseResult> f : pending) {
        try {
          results.add(f.get());
        } catch (ExecutionException e) {
          throw new IllegalStateException(e.getCause());
        }
      }
      return results;
    } finally {
      pool.shutdownNow();
    }
  }

  CaseResult runCase(EvalTarget target, EvalCase c) {
    Answer answer = call(target, c);
    List<String> failures = new ArrayList<>();
    if (answer.status() != 200) {
      failures.add("HTTP " + answer.status() + ": " + answer.error());
    } else {
      for (Assertion a : c.assertions()) {
        String problem = a.check(answer);
        if (problem != null) {
          failures.add(a.describe() + " -> " + problem);
        }
      }
    }
    Price price = prices.get(answer.deployment());
    double cost = price == null ? 0
        : (answer.promptTokens() * price.inputPerMtok() + answer.completionTokens() * price.outputPerMtok()) / 1_000_000;
    return new CaseResult(target.task().name(), target.variant().name(), target.variant().label(), target.family(), c.name(),
        List.copyOf(failures), answer, cost, c.knownFailing());
  }

  private Answer call(EvalTarget target, EvalCase c) {
    JsonObject body = new JsonObject().put("model", "task:" + target.task().name()).put("variables", c.variables());
    HttpRequest.Builder request = HttpRequest.newBuilder(gateway.resolve("/v1/chat/completions"))
        .timeout(Duration.ofMinutes(2))
        .header("content-type", "application/json")
        .header("x-modelmux-family", target.family())
        .POST(HttpRequest.BodyPublishers.ofString(body.encode()));
    if (apiKey != null) {
      request.header("authorization", "Bearer " + apiKey);
    }
    if (evalRun != null) {
      request.header("x-modelmux-eval", evalRun);
    }
    long start = System.nanoTime();
    HttpResponse<String> response;
    try {
      response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      return new Answer(0, "", "the gateway could not be reached: " + e.getMessage(), 0, 0, 0, null, null, null, null);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Answer(0, "", "interrupted", 0, 0, 0, null, null, null, null);
    }
    long latencyMs = (System.nanoTime() - start) / 1_000_000;
    if (evalRun != null && response.statusCode() == 200 && !evalRun.equals(response.headers().firstValue("x-modelmux-eval").orElse(null))) {
      untagged.incrementAndGet();
    }
    String deployment = response.headers().firstValue("x-modelmux-deployment").orElse(null);
    String prompt = response.headers().firstValue("x-modelmux-prompt").orElse(null);
    JsonObject json;
    try {
      json = new JsonObject(response.body());
    } catch (RuntimeException e) {
      return new Answer(response.statusCode(), "", "not a JSON body", latencyMs, 0, 0, deployment, prompt, null, null);
    }
    if (response.statusCode() != 200) {
      JsonObject error = json.getJsonObject("error", new JsonObject());
      return new Answer(response.statusCode(), "", error.getString("message", response.body()), latencyMs, 0, 0, deployment, prompt,
          null, null);
    }
    JsonObject usage = json.getJsonObject("usage", new JsonObject());
    String text = json.getJsonArray("choices").getJsonObject(0).getJsonObject("message").getString("content", "");
    return new Answer(200, text, null, latencyMs, usage.getInteger("prompt_tokens", 0), usage.getInteger("completion_tokens", 0),
        deployment, prompt, json.getString("model"), json.getString("system_fingerprint"));
  }
}
