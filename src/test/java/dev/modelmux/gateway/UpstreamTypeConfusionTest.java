package dev.modelmux.gateway;

import static dev.modelmux.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.modelmux.core.SseEvent;
import dev.modelmux.server.ModelMux;
import dev.modelmux.testing.GatewayFixture;
import dev.modelmux.testing.TestClient;
import dev.modelmux.testing.TestClient.Reply;
import dev.modelmux.testing.TestClient.StreamReply;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A provider that answers 200 with every field of a valid answer replaced, one at a time, by a value of the wrong type
 * (streamed and not, OpenAI and Anthropic wire formats, to clients of both dialects). Whatever arrives, the client
 * gets a well-formed answer or an error in its own dialect, promptly; never a 500, a hang or a clean end of a stream
 * that had no finish; and no upstream call is left counted in flight.
 */
@ExtendWith(VertxExtension.class)
class UpstreamTypeConfusionTest {
  private static final long PROMPT_BOUND_MS = 5_000;
  private static final List<Object> CONFUSERS = List.of(42, "x", true, new JsonArray(), new JsonObject(), new JsonArray().add(1));

  private static final String DEPLOYMENTS = """
      deployments:
        - id: fake-openai
          provider: openai
          base_url: ${FAKE}/v1
          api_key_env: KEY_A
          model: gpt-4
          context_window: 8192
          limits: { tpm: 100000000, rpm: 1000000 }
        - id: fake-anthropic
          provider: anthropic
          base_url: ${FAKE}
          api_key_env: KEY_B
          model: claude-2
          context_window: 100000
          limits: { tpm: 100000000, rpm: 1000000 }
        - id: fake-capped
          provider: openai
          base_url: ${FAKE}/v1
          api_key_env: KEY_A
          model: gpt-4
          context_window: 8192
          limits: { tpm: 100000000, rpm: 1000000 }
          max_answer_bytes: 65536
          max_error_bytes: 1024
      routes:
        - name: via-capped
          tiers: [[fake-capped]]
        - name: via-openai
          tiers: [[fake-openai]]
        - name: via-anthropic
          tiers: [[fake-anthropic]]
      resilience: { breaker_failures: 1000, retry_backoff_ms: 0 }
      """;

  /** What the fake provider sends next: a whole body, or a list of SSE events (name, data). */
  private static final AtomicReference<Answer> NEXT = new AtomicReference<>();

  private static HttpServer provider;
  private static ModelMux gateway;
  private static TestClient client;

  record Answer(JsonObject body, List<String[]> events, int status) {
    Answer(JsonObject body, List<String[]> events) {
      this(body, events, 200);
    }
  }

  @BeforeAll
  static void start(Vertx vertx) {
    provider = await(vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(b -> {
      Answer answer = NEXT.get();
      if (answer.events() == null) {
        req.response().setStatusCode(answer.status()).putHeader("content-type", "application/json").end(answer.body().encode());
        return;
      }
      StringBuilder sse = new StringBuilder();
      for (String[] e : answer.events()) {
        if (e[0] != null) {
          sse.append("event: ").append(e[0]).append('\n');
        }
        sse.append("data: ").append(e[1]).append("\n\n");
      }
      req.response().putHeader("content-type", "text/event-stream").end(sse.toString());
    })).listen(0, "127.0.0.1"));
    String yaml = "server: { host: 127.0.0.1, port: 0, instances: 1 }\n"
        + DEPLOYMENTS.replace("${FAKE}", "http://127.0.0.1:" + provider.actualPort());
    gateway = await(ModelMux.start(vertx, ModelMux.configLoader(GatewayFixture.KEYS::get).parse(yaml)));
    client = new TestClient(vertx, gateway.port());
  }

  @AfterAll
  static void stop() {
    await(client.close());
    await(gateway.close());
    await(provider.close());
  }

  @Test
  void everyTypeConfusedAnswerEndsPromptlyInTheClientsDialect() {
    List<String> problems = new ArrayList<>();
    int exchanges = 0;
    for (String route : List.of("via-openai", "via-anthropic")) {
      boolean openAiWire = route.equals("via-openai");
      for (JsonObject valid : openAiWire ? List.of(openAiAnswer(false), openAiAnswer(true)) : List.of(anthropicAnswer(false),
          anthropicAnswer(true))) {
        for (JsonObject confused : confusions(valid)) {
          exchanges += exchangeBothDialects(route, new Answer(confused, null), problems);
        }
      }
      for (List<String[]> valid : openAiWire ? List.of(openAiStream(false), openAiStream(true)) : List.of(anthropicStream(false),
          anthropicStream(true))) {
        for (int i = 0; i < valid.size(); i++) {
          if (valid.get(i)[1].equals("[DONE]")) {
            continue;
          }
          for (JsonObject confused : confusions(new JsonObject(valid.get(i)[1]))) {
            List<String[]> events = new ArrayList<>(valid);
            events.set(i, new String[] {valid.get(i)[0], confused.encode()});
            exchanges += exchangeBothDialects(route, new Answer(null, events), problems);
          }
        }
      }
    }
    assertThat(exchanges).isGreaterThanOrEqualTo(1000);
    assertThat(problems).isEmpty();
    NEXT.set(new Answer(openAiAnswer(false), null));
    assertThat(await(client.postJson("/v1/chat/completions", request("via-openai", false))).status()).isEqualTo(200);
    JsonArray deployments = await(client.get("/admin/deployments")).json().getJsonArray("deployments");
    for (int i = 0; i < deployments.size(); i++) {
      assertThat(deployments.getJsonObject(i).getInteger("in_flight")).as(deployments.getJsonObject(i).getString("id")).isZero();
    }
  }

  @Test
  void answersAndErrorBodiesAreReadOnlyUpToTheirCaps() {
    JsonObject huge = openAiAnswer(false);
    huge.getJsonArray("choices").getJsonObject(0).getJsonObject("message").put("content", "x".repeat(200_000));
    NEXT.set(new Answer(huge, null));
    Reply tooLarge = await(client.postJson("/v1/chat/completions", request("via-capped", false)));
    assertThat(tooLarge.status()).isEqualTo(502);
    assertThat(tooLarge.json().getJsonObject("error").getString("message")).contains("too large").contains("65536");

    JsonObject hugeError = new JsonObject().put("error", new JsonObject().put("message", "y".repeat(200_000)).put("type", "server_error"));
    NEXT.set(new Answer(hugeError, null, 400));
    Reply error = await(client.postJson("/v1/messages", request("via-capped", false)));
    assertThat(error.status()).isEqualTo(400);
    assertThat(error.json().getString("type")).isEqualTo("error");
    assertThat(error.body().length()).isLessThan(2048);

    NEXT.set(new Answer(openAiAnswer(false), null));
    assertThat(await(client.postJson("/v1/chat/completions", request("via-capped", false))).status()).isEqualTo(200);
  }

  private int exchangeBothDialects(String route, Answer answer, List<String> problems) {
    NEXT.set(answer);
    boolean stream = answer.events() != null;
    String what = route + (stream ? " stream " + describe(answer.events()) : " body " + answer.body().encode());
    for (String path : List.of("/v1/chat/completions", "/v1/messages")) {
      boolean anthropicClient = path.equals("/v1/messages");
      long start = System.nanoTime();
      String problem;
      try {
        problem = stream
            ? checkStream(anthropicClient, client.stream(path, request(route, true)).toCompletionStage().toCompletableFuture()
                .get(PROMPT_BOUND_MS, TimeUnit.MILLISECONDS))
            : checkBody(anthropicClient, client.postJson(path, request(route, false)).toCompletionStage().toCompletableFuture()
                .get(PROMPT_BOUND_MS, TimeUnit.MILLISECONDS));
      } catch (Exception e) {
        problem = "no answer within " + PROMPT_BOUND_MS + " ms (" + e + ")";
      }
      if (problem != null) {
        if (problems.size() >= 15) {
          throw new AssertionError("too many problems, the first ones: " + String.join("\n", problems));
        }
        problems.add(path + " via " + abbreviate(what) + ": " + abbreviate(problem) + " after " + (System.nanoTime() - start) / 1_000_000 + " ms");
      }
    }
    return 2;
  }

  private static String checkBody(boolean anthropicClient, Reply reply) {
    if (reply.status() == 500) {
      return "500 " + reply.body();
    }
    JsonObject body;
    try {
      body = reply.json();
    } catch (RuntimeException e) {
      return reply.status() + " with a body that is not JSON: " + reply.body();
    }
    if (reply.status() != 200) {
      return anthropicClient ? errorOfAnthropic(body) : errorOfOpenAi(body);
    }
    if (anthropicClient) {
      return body.getValue("content") instanceof JsonArray && "message".equals(body.getValue("type")) ? null : "not a message: " + body;
    }
    if (!(body.getValue("choices") instanceof JsonArray choices) || choices.isEmpty() || !(choices.getValue(0) instanceof JsonObject c)
        || !(c.getValue("message") instanceof JsonObject m)) {
      return "not a chat.completion: " + body;
    }
    Object content = m.getValue("content");
    return content == null || content instanceof String ? null : "content neither text nor null: " + body;
  }

  private static String checkStream(boolean anthropicClient, StreamReply reply) {
    if (reply.status() != 200) {
      if (reply.status() == 500) {
        return "500 " + reply.raw();
      }
      try {
        JsonObject body = new JsonObject(reply.raw());
        return anthropicClient ? errorOfAnthropic(body) : errorOfOpenAi(body);
      } catch (RuntimeException e) {
        return reply.status() + " with a body that is not JSON: " + reply.raw();
      }
    }
    if (!reply.ended()) {
      return "the stream broke off without an error event";
    }
    if (reply.events().isEmpty()) {
      return "an empty stream";
    }
    SseEvent last = reply.last();
    if (anthropicClient) {
      if ("error".equals(last.event())) {
        return null;
      }
      boolean stopped = reply.events().stream().anyMatch(e -> "message_delta".equals(e.event())
          && new JsonObject(e.data()).getJsonObject("delta").getValue("stop_reason") instanceof String);
      return "message_stop".equals(last.event()) && stopped ? null : "ended with no stop reason and no error: " + reply.raw();
    }
    if (last.data().startsWith("{") && new JsonObject(last.data()).containsKey("error")) {
      return null;
    }
    boolean finished = reply.events().stream().filter(e -> e.data().startsWith("{")).map(e -> new JsonObject(e.data()))
        .anyMatch(chunk -> chunk.getValue("choices") instanceof JsonArray choices && !choices.isEmpty()
            && choices.getValue(0) instanceof JsonObject choice && choice.getValue("finish_reason") instanceof String);
    return last.dataIs("[DONE]") && finished ? null : "ended with no finish reason and no error: " + reply.raw();
  }

  private static String errorOfOpenAi(JsonObject body) {
    return body.getValue("error") instanceof JsonObject e && e.getValue("message") instanceof String ? null : "not an OpenAI error: " + body;
  }

  private static String errorOfAnthropic(JsonObject body) {
    return "error".equals(body.getValue("type")) && body.getValue("error") instanceof JsonObject e && e.getValue("type") instanceof String
        ? null : "not an Anthropic error: " + body;
  }

  /** The answer with each member (at any depth) replaced in turn by each confuser, and removed. */
  static List<JsonObject> confusions(JsonObject valid) {
    List<JsonObject> out = new ArrayList<>();
    List<List<Object>> paths = new ArrayList<>();
    collect(valid, new ArrayList<>(), paths);
    for (List<Object> path : paths) {
      for (Object confuser : CONFUSERS) {
        JsonObject copy = valid.copy();
        if (replace(copy, path, confuser)) {
          out.add(copy);
        }
      }
      JsonObject copy = valid.copy();
      replace(copy, path, null);
      out.add(copy);
    }
    return out;
  }

  private static void collect(Object node, List<Object> prefix, List<List<Object>> paths) {
    if (node instanceof JsonObject o) {
      for (String key : o.fieldNames()) {
        List<Object> path = new ArrayList<>(prefix);
        path.add(key);
        paths.add(path);
        collect(o.getValue(key), path, paths);
      }
    } else if (node instanceof JsonArray a) {
      for (int i = 0; i < a.size(); i++) {
        List<Object> path = new ArrayList<>(prefix);
        path.add(i);
        paths.add(path);
        collect(a.getValue(i), path, paths);
      }
    }
  }

  /** Sets the value at {@code path}; false when the value there already is of the confuser's kind. */
  private static boolean replace(JsonObject root, List<Object> path, Object value) {
    Object parent = root;
    for (int i = 0; i < path.size() - 1; i++) {
      parent = parent instanceof JsonObject o ? o.getValue((String) path.get(i)) : ((JsonArray) parent).getValue((Integer) path.get(i));
    }
    Object key = path.get(path.size() - 1);
    Object old = parent instanceof JsonObject o ? o.getValue((String) key) : ((JsonArray) parent).getValue((Integer) key);
    if (value != null && old != null && old.getClass() == value.getClass() && !(old instanceof JsonArray || old instanceof JsonObject)) {
      return false;
    }
    if (parent instanceof JsonObject o) {
      o.put((String) key, value);
    } else {
      ((JsonArray) parent).set((Integer) key, value);
    }
    return true;
  }

  private static String abbreviate(String s) {
    return s.length() > 600 ? s.substring(0, 600) + "..." : s;
  }

  private static String describe(List<String[]> events) {
    StringBuilder s = new StringBuilder();
    events.forEach(e -> s.append(e[1]).append(' '));
    return s.toString();
  }

  private static JsonObject request(String route, boolean stream) {
    return new JsonObject().put("model", route).put("max_tokens", 50).put("stream", stream)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hello")));
  }

  private static JsonObject openAiAnswer(boolean tools) {
    JsonObject message = tools
        ? new JsonObject().put("role", "assistant").putNull("content").put("tool_calls", new JsonArray().add(new JsonObject()
            .put("id", "call_1").put("type", "function").put("function", new JsonObject().put("name", "f").put("arguments", "{\"a\":1}"))))
        : new JsonObject().put("role", "assistant").put("content", "hello there");
    return new JsonObject().put("id", "chatcmpl-1").put("object", "chat.completion").put("created", 1).put("model", "gpt-4")
        .put("choices", new JsonArray().add(new JsonObject().put("index", 0).put("message", message)
            .put("finish_reason", tools ? "tool_calls" : "stop")))
        .put("usage", new JsonObject().put("prompt_tokens", 5).put("completion_tokens", 2).put("total_tokens", 7));
  }

  private static JsonObject anthropicAnswer(boolean tools) {
    JsonObject block = tools
        ? new JsonObject().put("type", "tool_use").put("id", "tu_1").put("name", "f").put("input", new JsonObject().put("a", 1))
        : new JsonObject().put("type", "text").put("text", "hello there");
    return new JsonObject().put("id", "msg_1").put("type", "message").put("role", "assistant").put("model", "claude-2")
        .put("content", new JsonArray().add(block)).put("stop_reason", tools ? "tool_use" : "end_turn").putNull("stop_sequence")
        .put("usage", new JsonObject().put("input_tokens", 5).put("output_tokens", 2));
  }

  private static List<String[]> openAiStream(boolean tools) {
    String head = "{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4\",\"choices\":[{\"index\":0,";
    List<String[]> events = new ArrayList<>();
    events.add(new String[] {null, head + "\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}"});
    if (tools) {
      events.add(new String[] {null, head + "\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"call_1\",\"type\":\"function\","
          + "\"function\":{\"name\":\"f\",\"arguments\":\"\"}}]},\"finish_reason\":null}]}"});
      events.add(new String[] {null, head + "\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"a\\\":1}\"}}]},"
          + "\"finish_reason\":null}]}"});
    } else {
      events.add(new String[] {null, head + "\"delta\":{\"content\":\"hello\"},\"finish_reason\":null}]}"});
    }
    events.add(new String[] {null, head + "\"delta\":{},\"finish_reason\":\"" + (tools ? "tool_calls" : "stop") + "\"}]}"});
    events.add(new String[] {null, "{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4\",\"choices\":[],"
        + "\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":2,\"total_tokens\":7}}"});
    events.add(new String[] {null, "[DONE]"});
    return events;
  }

  private static List<String[]> anthropicStream(boolean tools) {
    List<String[]> events = new ArrayList<>();
    events.add(new String[] {"message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\","
        + "\"role\":\"assistant\",\"model\":\"claude-2\",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,"
        + "\"usage\":{\"input_tokens\":5,\"output_tokens\":1}}}"});
    if (tools) {
      events.add(new String[] {"content_block_start", "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":"
          + "{\"type\":\"tool_use\",\"id\":\"tu_1\",\"name\":\"f\",\"input\":{}}}"});
      events.add(new String[] {"content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":"
          + "{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"a\\\":1}\"}}"});
    } else {
      events.add(new String[] {"content_block_start", "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":"
          + "{\"type\":\"text\",\"text\":\"\"}}"});
      events.add(new String[] {"content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":"
          + "{\"type\":\"text_delta\",\"text\":\"hello\"}}"});
    }
    events.add(new String[] {"content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}"});
    events.add(new String[] {"message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\""
        + (tools ? "tool_use" : "end_turn") + "\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":2}}"});
    events.add(new String[] {"message_stop", "{\"type\":\"message_stop\"}"});
    return events;
  }
}
