package dev.modelmux.gateway;

import static dev.modelmux.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.modelmux.core.SseEvent;
import dev.modelmux.emulator.EmulatedModel;
import dev.modelmux.emulator.Fault;
import dev.modelmux.testing.GatewayFixture;
import dev.modelmux.testing.TestClient;
import dev.modelmux.testing.TestClient.Reply;
import dev.modelmux.testing.TestClient.StreamReply;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Task calls end to end: the variant rendered for the family of each deployment tried (a fallback sends the next
 * family's own variant), variables checked in both dialects, post-processing streamed and not, the secret guard.
 * The emulator answers a user turn "say: X" with exactly X, so each variant says which one it is.
 */
@ExtendWith(VertxExtension.class)
class PromptTasksTest {
  private static final List<EmulatedModel> MODELS = List.of(
      new EmulatedModel("gpt-4", 0, 0, 8192, 0, 0, Fault.NONE),
      new EmulatedModel("gpt-3.5-turbo", 0, 0, 4096, 0, 0, Fault.NONE),
      new EmulatedModel("claude-2", 0, 0, 100000, 0, 0, Fault.NONE));

  private static final String DEPLOYMENTS = """
      deployments:
        - id: oa-gpt4
          provider: openai
          base_url: ${EMU}/v1
          api_key_env: KEY_A
          model: gpt-4
          context_window: 8192
          limits: { tpm: 1000000, rpm: 10000 }
        - id: an-claude
          provider: anthropic
          base_url: ${EMU}
          api_key_env: KEY_B
          model: claude-2
          context_window: 100000
          limits: { tpm: 1000000, rpm: 10000 }
        - id: oa-gpt35
          provider: openai
          base_url: ${EMU}/v1
          api_key_env: KEY_A
          model: gpt-3.5-turbo
          context_window: 4096
          limits: { tpm: 1000000, rpm: 10000 }
      routes:
        - name: code-reasoning
          tiers: [[oa-gpt4], [an-claude], [oa-gpt35]]
        - name: redacting-chat
          guard: { secrets: redact }
          tiers: [[oa-gpt35]]
        - name: blocking-chat
          guard: { secrets: block }
          tiers: [[an-claude]]
      """;

  @TempDir
  Path prompts;
  private GatewayFixture fixture;
  private TestClient client;

  @BeforeEach
  void start(Vertx vertx) throws IOException {
    write("explain/task.yaml", """
        route: code-reasoning
        variables:
          code: { required: true }
          language: {}
        """);
    write("explain/gpt-4.yaml", """
        match: [gpt-4]
        messages:
          - { role: system, content: "You explain {{language}} code. No preamble." }
          - { role: user, content: "say: gpt-4 explains {{code}}" }
        """);
    write("explain/claude.yaml", """
        match: [claude]
        messages:
          - { role: system, content: "You explain code; answer inside <answer> tags." }
          - { role: user, content: "say: Here is my answer. <answer>claude explains {{code}}</answer>" }
        post:
          - between: { start: "<answer>", end: "</answer>" }
        """);
    write("explain/gpt-3.5.yaml", """
        match: [gpt-3.5]
        messages:
          - { role: user, content: "say: Sure! Here you go: <answer>gpt-3.5 explains {{code}}</answer> Let me know if you need more!" }
        params: { max_tokens: 200, temperature: 0.1 }
        post:
          - between: { start: "<answer>", end: "</answer>" }
        """);
    write("shape/task.yaml", """
        route: code-reasoning
        variables: { input: { required: true } }
        """);
    write("shape/gpt-4.yaml", """
        match: [gpt-4]
        messages:
          - { role: user, content: "say: not json at all: {{input}}" }
        post:
          - json: { schema: { type: object, required: [tests] } }
        """);
    write("shape/default.yaml", """
        match: default
        messages:
          - { role: user, content: "say: Here you are: {\\"tests\\": [\\"{{input}}\\"]} done" }
        post:
          - json: { schema: { type: object, required: [tests] } }
        """);
    write("guarded/task.yaml", """
        route: code-reasoning
        variables: { code: { required: true } }
        guard: { secrets: redact }
        """);
    write("guarded/default.yaml", """
        match: default
        messages:
          - { role: user, content: "say: {{#findings}}[{{rule}} in {{where}}] {{/findings}}{{code}}" }
        """);
    write("strict/task.yaml", """
        route: code-reasoning
        variables: { code: { required: true } }
        guard: { secrets: block }
        """);
    write("strict/default.yaml", """
        match: default
        messages:
          - { role: user, content: "say: {{code}}" }
        """);
    fixture = await(GatewayFixture.start(vertx, MODELS, DEPLOYMENTS, "prompts: { dir: " + prompts + " }\n"));
    client = new TestClient(vertx, fixture.port());
  }

  @AfterEach
  void stop() {
    await(client.close());
    await(fixture.close());
  }

  private void write(String file, String content) throws IOException {
    Path path = prompts.resolve(file);
    Files.createDirectories(path.getParent());
    Files.writeString(path, content);
  }

  private static JsonObject openAiCall(String task, JsonObject variables) {
    return new JsonObject().put("model", "task:" + task).put("variables", variables);
  }

  private Reply post(String path, JsonObject body, String familyPin) {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    if (path.equals("/v1/messages")) {
      headers.add("anthropic-version", "2023-06-01");
    }
    if (familyPin != null) {
      headers.add("x-modelmux-family", familyPin);
    }
    return await(client.post(path, body.encode(), "application/json", headers));
  }

  private static MultiMap pin(String family) {
    return MultiMap.caseInsensitiveMultiMap().add("x-modelmux-family", family).add("anthropic-version", "2023-06-01");
  }

  private static String openAiText(Reply reply) {
    return reply.json().getJsonArray("choices").getJsonObject(0).getJsonObject("message").getString("content");
  }

  private static String anthropicText(List<SseEvent> events) {
    StringBuilder text = new StringBuilder();
    for (SseEvent e : events) {
      if ("content_block_delta".equals(e.event())) {
        text.append(new JsonObject(e.data()).getJsonObject("delta").getString("text", ""));
      }
    }
    return text.toString();
  }

  @Test
  void theVariantIsRenderedForTheFamilyOfTheDeploymentThatServes() {
    Reply reply = post("/v1/chat/completions", openAiCall("explain", new JsonObject().put("code", "x++").put("language", "java")), null);
    assertThat(reply.status()).isEqualTo(200);
    assertThat(openAiText(reply)).isEqualTo("gpt-4 explains x++");
    assertThat(reply.headers().get("x-modelmux-deployment")).isEqualTo("oa-gpt4");
    assertThat(reply.headers().get("x-modelmux-prompt")).matches("explain/gpt-4@[0-9a-f]{7}");
  }

  @Test
  void aFallbackToAnotherFamilySendsThatFamilysOwnVariant() {
    fixture.emulator.setFault("gpt-4", Fault.status(503));
    Reply reply = post("/v1/chat/completions", openAiCall("explain", new JsonObject().put("code", "x++")), null);
    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.headers().get("x-modelmux-deployment")).isEqualTo("an-claude");
    assertThat(reply.headers().get("x-modelmux-prompt")).matches("explain/claude@[0-9a-f]{7}");
    assertThat(openAiText(reply)).as("Claude's variant, post-processed").isEqualTo("claude explains x++");
  }

  @Test
  void postProcessingAppliesStreamedAndNotInBothDialects() {
    JsonObject variables = new JsonObject().put("code", "a.b()");
    Reply whole = post("/v1/chat/completions", openAiCall("explain", variables), "gpt-3.5");
    assertThat(whole.headers().get("x-modelmux-deployment")).isEqualTo("oa-gpt35");
    assertThat(openAiText(whole)).isEqualTo("gpt-3.5 explains a.b()");
    assertThat(whole.json().getJsonObject("usage").getInteger("completion_tokens")).as("usage counts the dropped blurb")
        .isGreaterThan(10);

    StreamReply streamed = await(client.stream("/v1/chat/completions", openAiCall("explain", variables).put("stream", true)
        .put("stream_options", new JsonObject().put("include_usage", true)), pin("gpt-3.5")));
    assertThat(streamed.status()).isEqualTo(200);
    assertThat(streamed.text()).isEqualTo("gpt-3.5 explains a.b()");
    assertThat(streamed.raw().toString()).doesNotContain("Sure").doesNotContain("Let me know").contains("[DONE]");

    JsonObject anthropic = openAiCall("explain", variables).put("max_tokens", 300);
    Reply anthropicWhole = post("/v1/messages", anthropic, "claude");
    assertThat(anthropicWhole.status()).isEqualTo(200);
    assertThat(anthropicWhole.json().getJsonArray("content").getJsonObject(0).getString("text")).isEqualTo("claude explains a.b()");

    StreamReply anthropicStream = await(client.stream("/v1/messages", anthropic.copy().put("stream", true), pin("claude")));
    assertThat(anthropicStream.status()).isEqualTo(200);
    assertThat(anthropicText(anthropicStream.events())).isEqualTo("claude explains a.b()");
    assertThat(anthropicStream.events().get(anthropicStream.events().size() - 1).event()).isEqualTo("message_stop");

    StreamReply crossStream = await(client.stream("/v1/messages", anthropic.copy().put("stream", true), pin("gpt-3.5")));
    assertThat(anthropicText(crossStream.events())).as("OpenAI provider, Anthropic client").isEqualTo("gpt-3.5 explains a.b()");
  }

  @Test
  void anAnswerTheVariantRefusesFailsOverToTheNextDeployment() {
    Reply reply = post("/v1/chat/completions", openAiCall("shape", new JsonObject().put("input", "t1")), null);
    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.headers().get("x-modelmux-deployment")).isEqualTo("an-claude");
    assertThat(new JsonObject(openAiText(reply)).getJsonArray("tests")).containsExactly("t1");

    Reply pinned = post("/v1/chat/completions", openAiCall("shape", new JsonObject().put("input", "t1")), "gpt-4");
    assertThat(pinned.status()).isEqualTo(502);
    assertThat(pinned.json().getJsonObject("error").getString("message")).contains("shape/gpt-4@").contains("JSON");
    assertThat(outputTokens("oa-gpt4")).as("the refused whole answers still count what they used").isPositive();

    double before = outputTokens("oa-gpt4");
    StreamReply streamed = await(client.stream("/v1/chat/completions", openAiCall("shape", new JsonObject().put("input", "t2"))
        .put("stream", true).put("stream_options", new JsonObject().put("include_usage", true)), pin("gpt-4")));
    assertThat(streamed.status()).as("refused before anything reached the client: a plain error").isEqualTo(502);
    assertThat(streamed.raw().toString()).contains("JSON");
    assertThat(outputTokens("oa-gpt4")).as("a refused stream counts its usage, read after the finish").isGreaterThan(before);
  }

  private double outputTokens(String deployment) {
    Matcher m = Pattern.compile("modelmux_tokens_total\\{deployment=\"" + deployment
        + "\",direction=\"out\"} ([0-9.E]+)").matcher(await(client.get("/metrics")).body().toString());
    return m.find() ? Double.parseDouble(m.group(1)) : -1;
  }

  @Test
  void variablesAreCheckedInTheClientsDialect() {
    Reply missing = post("/v1/chat/completions", openAiCall("explain", new JsonObject().put("language", "go")), null);
    assertThat(missing.status()).isEqualTo(400);
    assertThat(missing.json().getJsonObject("error").getString("param")).isEqualTo("variables.code");
    assertThat(missing.json().getJsonObject("error").getString("message")).contains("Missing required variable 'code'");

    Reply unknown = post("/v1/messages", openAiCall("explain", new JsonObject().put("code", "x").put("colour", "red"))
        .put("max_tokens", 100), null);
    assertThat(unknown.status()).isEqualTo(400);
    assertThat(unknown.json().getString("type")).isEqualTo("error");
    assertThat(unknown.json().getJsonObject("error").getString("type")).isEqualTo("invalid_request_error");
    assertThat(unknown.json().getJsonObject("error").getString("message")).contains("variables.colour").contains("Unknown variable");

    Reply wrongType = post("/v1/chat/completions", openAiCall("explain", new JsonObject().put("code", new JsonArray())), null);
    assertThat(wrongType.status()).isEqualTo(400);
    assertThat(wrongType.json().getJsonObject("error").getString("param")).isEqualTo("variables.code");

    Reply noTask = post("/v1/chat/completions", openAiCall("nope", new JsonObject()), null);
    assertThat(noTask.status()).isEqualTo(404);
    assertThat(noTask.json().getJsonObject("error").getString("message")).contains("task `nope`").contains("explain");
    Reply noTaskAnthropic = post("/v1/messages", openAiCall("nope", new JsonObject()).put("max_tokens", 10), null);
    assertThat(noTaskAnthropic.status()).isEqualTo(404);
    assertThat(noTaskAnthropic.json().getJsonObject("error").getString("type")).isEqualTo("not_found_error");
  }

  @Test
  void theClientsMessagesFollowTheRenderedOnes() {
    JsonObject call = openAiCall("explain", new JsonObject().put("code", "x++"))
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "say: the client's own turn")));
    Reply reply = post("/v1/chat/completions", call, null);
    assertThat(reply.status()).isEqualTo(200);
    assertThat(openAiText(reply)).as("the emulator answers the last user turn").isEqualTo("the client's own turn");
  }

  @Test
  void theGuardRedactsSecretsBeforeTheyLeaveAndTellsTheTemplate() {
    String secret = "postgres://app:" + "s3cretPassw0rd" + "@db.internal:5432/prod";
    Reply reply = post("/v1/chat/completions", openAiCall("guarded", new JsonObject().put("code", "url = \"" + secret + "\"")), null);
    assertThat(reply.status()).isEqualTo(200);
    String text = openAiText(reply);
    assertThat(text).doesNotContain("s3cretPassw0rd").contains("[REDACTED:").contains("in variables.code]");

    Reply blocked = post("/v1/chat/completions", openAiCall("strict", new JsonObject().put("code", secret)), null);
    assertThat(blocked.status()).isEqualTo(400);
    assertThat(blocked.json().getJsonObject("error").getString("code")).isEqualTo("secret_detected");
    assertThat(blocked.json().getJsonObject("error").getString("message")).contains("rule ").doesNotContain("s3cretPassw0rd");
    assertThat(fixture.emulator.stats("gpt-4").requests()).as("only the redacted call reached a provider").isEqualTo(1);

    String metrics = await(client.get("/metrics")).body().toString();
    assertThat(metrics).contains("modelmux_guard_findings_total{action=\"redact\",route=\"code-reasoning\",rule=\"password-in-url\",task=\"guarded\"} 1.0")
        .contains("modelmux_guard_findings_total{action=\"block\",route=\"code-reasoning\",rule=\"password-in-url\",task=\"strict\"} 1.0");
  }

  @Test
  void aRoutesGuardScansPlainRequestsInBothDialects() {
    String secret = "mysql://root:" + "Tr0ub4dor-and-3" + "@db/app";
    JsonObject plain = new JsonObject().put("model", "redacting-chat")
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "say: connect to " + secret)));
    Reply redacted = post("/v1/chat/completions", plain, null);
    assertThat(redacted.status()).isEqualTo(200);
    assertThat(openAiText(redacted)).isEqualTo("connect to mysql://root:[REDACTED:password-in-url]@db/app");

    JsonObject anthropic = new JsonObject().put("model", "blocking-chat").put("max_tokens", 50).put("system", "deploy with " + secret)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "say: hi")));
    Reply blocked = post("/v1/messages", anthropic, null);
    assertThat(blocked.status()).isEqualTo(400);
    assertThat(blocked.json().getString("type")).isEqualTo("error");
    assertThat(blocked.json().getJsonObject("error").getString("type")).isEqualTo("invalid_request_error");
    assertThat(blocked.json().getJsonObject("error").getString("message")).contains("rule password-in-url").contains("in system")
        .contains("route 'blocking-chat'").doesNotContain("Tr0ub4dor");
    assertThat(fixture.emulator.stats("claude-2").requests()).as("a blocked request reaches no provider").isZero();

    String metrics = await(client.get("/metrics")).body().toString();
    assertThat(metrics).contains("modelmux_guard_findings_total{action=\"redact\",route=\"redacting-chat\",rule=\"password-in-url\",task=\"none\"} 1.0")
        .contains("modelmux_guard_findings_total{action=\"block\",route=\"blocking-chat\",rule=\"password-in-url\",task=\"none\"} 1.0");
  }

  @Test
  void adminPromptsListsTasksVariantsAndVersions() {
    JsonObject listing = await(client.get("/admin/prompts")).json();
    JsonArray tasks = listing.getJsonArray("tasks");
    assertThat(tasks.stream().map(t -> ((JsonObject) t).getString("name"))).contains("explain", "shape", "guarded", "strict");
    JsonObject explain = tasks.stream().map(JsonObject.class::cast).filter(t -> t.getString("name").equals("explain")).findFirst()
        .orElseThrow();
    assertThat(explain.getJsonArray("variants")).hasSize(3);
    assertThat(explain.getJsonArray("variants").getJsonObject(0).getString("version")).matches("[0-9a-f]{7}");
    assertThat(listing.getJsonArray("errors")).isEmpty();
  }
}
