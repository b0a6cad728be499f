package dev.modelmux.interactions;

import static dev.modelmux.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.modelmux.config.AuthConfig;
import dev.modelmux.eval.EvalCases;
import dev.modelmux.testing.GatewayFixture;
import dev.modelmux.testing.TestClient;
import dev.modelmux.testing.TestClient.Reply;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The review page in a real headless Chromium (Debian's, driven by playwright-core from npm), on a gateway with auth
 * configured: a login with the operator key into an HttpOnly, SameSite=Strict cookie, the queue riskiest first, a
 * filter, a case with its flagged span, a verdict, a regression case that lands in the task's suites, and a logout; and
 * (issue 24, items 5 and 9) a case URL that Back and a deep link honour, the risk score's parts, hints styled as hints,
 * verdicts in words, "No feedback yet", a disabled button with its reason for a call that is not a task, placeholders
 * to fill in a case from a redacted call, and the cases made listed, marked known failing and removed.
 * Screenshots of each view go to target/review-screenshots.
 */
@ExtendWith(VertxExtension.class)
class ReviewPageBrowserTest {
  private static final Path BROWSER = Path.of("src/test/browser");
  private static final Path SHOTS = Path.of("target/review-screenshots");
  private static final String OPS_KEY = "sk-operator-review-8b3d5f1a9c";
  private static final String IDE_KEY = "sk-client-review-2e7c4a6b0d";
  private static final String AUTH = """
      auth:
        mode: keys
        keys:
          - { id: ops, key_sha256: "%s", admin: true }
          - { id: ide, key_sha256: "%s" }
      """.formatted(hex(OPS_KEY), hex(IDE_KEY));

  @TempDir
  Path dir;
  private GatewayFixture fixture;
  private TestClient client;

  @BeforeEach
  void start(Vertx vertx) throws IOException {
    Files.createDirectories(dir.resolve("prompts/explain"));
    Files.writeString(dir.resolve("prompts/explain/task.yaml"),
        "route: code\nvariables: { code: { required: true }, language: { required: true } }\n");
    Files.writeString(dir.resolve("prompts/explain/default.yaml"),
        "match: default\nmessages:\n  - { role: user, content: \"say: This {{language}} code uses the fastsum crate: {{code}}\" }\n");
    Files.createDirectories(dir.resolve("prompts/leaks"));
    Files.writeString(dir.resolve("prompts/leaks/task.yaml"), "route: code\nvariables: { code: { required: true } }\nguard: { secrets: redact }\n");
    Files.writeString(dir.resolve("prompts/leaks/default.yaml"), "match: default\nmessages:\n  - { role: user, content: \"say: findings:"
        + "{{#findings}} {{rule}}{{/findings}}{{^findings}} none{{/findings}}\" }\n");
    String extra = "interactions: { store: sqlite, path: " + dir.resolve("log.db") + ", flush_ms: 10 }\n"
        + "prompts: { dir: " + dir.resolve("prompts") + " }\n" + "costs: { self_hosted_per_day: 340, replicas: 2 }\n" + AUTH;
    fixture = await(GatewayFixture.start(vertx, GatewayFixture.CROSS_MODELS, InteractionLogTest.DEPLOYMENTS, extra));
    client = new TestClient(vertx, fixture.port());
  }

  @AfterEach
  void stop() {
    await(client.close());
    await(fixture.close());
  }

  private static String hex(String key) {
    return HexFormat.of().formatHex(AuthConfig.sha256(key));
  }

  private static MultiMap asClient() {
    return MultiMap.caseInsensitiveMultiMap().add("authorization", "Bearer " + IDE_KEY);
  }

  private String call(String language, String code) {
    Reply reply = await(client.post("/v1/chat/completions", new JsonObject().put("model", "task:explain")
        .put("variables", new JsonObject().put("language", language).put("code", code)).encode(), "application/json", asClient()));
    assertThat(reply.status()).isEqualTo(200);
    String id = reply.headers().get("x-request-id");
    await(fixture.gateway.interactions().stored("ide " + id));
    return id;
  }

  private String stored(Reply reply) {
    assertThat(reply.status()).as(reply.body().toString()).isEqualTo(200);
    String id = reply.headers().get("x-request-id");
    await(fixture.gateway.interactions().stored("ide " + id));
    return "ide " + id;
  }

  private void feedback(JsonObject body) {
    assertThat(await(client.post("/v1/feedback", body.encode(), "application/json", asClient())).status()).isEqualTo(201);
  }

  @Test
  void aReviewerWorksThroughTheQueueInARealBrowser() throws Exception {
    String rust = call("rust", "xs.iter().sum()");
    String java = call("java", "IntStream.of(a).sum()");
    feedback(new JsonObject().put("request_id", rust).put("hallucination", true).put("user", "dev1")
        .put("spans", new JsonArray().add(new JsonObject().put("start", 24).put("end", 37)))
        .put("correction", "uses the standard library's Iterator::sum"));
    feedback(new JsonObject().put("request_id", java).put("rating", "down").put("user", "dev2"));
    String plain = stored(await(client.post("/v1/chat/completions", new JsonObject().put("model", "code").put("messages",
        new JsonArray().add(new JsonObject().put("role", "user").put("content", "say: hi"))).encode(), "application/json", asClient())));
    String leak = stored(await(client.post("/v1/chat/completions", new JsonObject().put("model", "task:leaks").put("variables",
        new JsonObject().put("code", "connect(\"postgres://app:hunter2-not-real@db/x\")")).encode(), "application/json", asClient())));

    Files.createDirectories(SHOTS);
    ensureNodeModules();
    ProcessBuilder browser = new ProcessBuilder("node", BROWSER.resolve("review-flow.mjs").toString(),
        "http://127.0.0.1:" + fixture.port(), SHOTS.toAbsolutePath().toString()).redirectErrorStream(true);
    browser.environment().put("OPERATOR_KEY", OPS_KEY);
    browser.environment().put("PLAIN_ID", plain);
    browser.environment().put("LEAK_ID", leak);
    Process flow = browser.start();
    String output = new String(flow.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(flow.waitFor(120, TimeUnit.SECONDS)).as(output).isTrue();
    assertThat(flow.exitValue()).as(output).isZero();
    JsonObject result = new JsonObject(output.lines().filter(l -> l.startsWith("{")).reduce((a, b) -> b).orElseThrow());
    assertThat(result.getString("flagged")).isEqualTo("fastsum crate");
    assertThat(result.getString("operator")).isEqualTo("operator: ops");
    assertThat(result.getJsonArray("cookie")).containsExactly(new JsonObject().put("name", "modelmux_operator").put("httpOnly", true)
        .put("sameSite", "Strict").put("holdsKey", false));
    assertThat(result.getBoolean("scriptSeesCookie")).isFalse();
    assertThat(result.getInteger("afterLogout")).isEqualTo(401);
    assertThat(List.of("login.png", "queue.png", "filtered.png", "case.png", "verdict-and-regression.png", "not-a-task.png",
        "redacted-case.png", "regressions.png"))
        .allSatisfy(shot -> assertThat(SHOTS.resolve(shot)).isNotEmptyFile());

    Path tests = dir.resolve("prompts/explain/tests");
    List<Path> written;
    try (Stream<Path> files = Files.list(tests)) {
      written = files.toList();
    }
    assertThat(written).hasSize(1);
    String yaml = Files.readString(written.get(0));
    assertThat(yaml).contains("contains: uses the standard library's Iterator::sum").contains("language: rust");
    assertThat(EvalCases.load(dir.resolve("prompts/explain"), "explain")).singleElement()
        .satisfies(c -> assertThat(c.knownFailing()).isEqualTo("invents crates; ticket 42"));
    try (Stream<Path> files = Files.list(dir.resolve("prompts/leaks/tests"))) {
      assertThat(files.toList()).as("the redacted call's case, made with a made-up password, then removed").isEmpty();
    }

    assertThat(await(client.get("/admin/review/cases/ide%20" + rust)).status()).as("no key, though from loopback").isEqualTo(401);
    JsonObject review = await(client.getAsOperator("/admin/review/cases/ide%20" + rust, OPS_KEY)).json().getJsonObject("review");
    assertThat(review.getString("verdict")).isEqualTo("needs_expert");
    assertThat(review.getString("expert_language")).isEqualTo("rust");
    assertThat(review.getString("assignee")).isEqualTo("ana");
    assertThat(review.getString("regression_file")).isEqualTo("explain/tests/" + written.get(0).getFileName());
  }

  /** playwright-core from the npm registry, pinned by the lock file; Chromium itself is Debian's. */
  static void ensureNodeModules() throws IOException, InterruptedException {
    if (Files.isDirectory(BROWSER.resolve("node_modules/playwright-core"))) {
      return;
    }
    Process install = new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund").directory(BROWSER.toFile())
        .redirectErrorStream(true).redirectOutput(new File("target/npm-ci.log")).start();
    assertThat(install.waitFor(300, TimeUnit.SECONDS) && install.exitValue() == 0).as("npm ci in " + BROWSER + ", see target/npm-ci.log")
        .isTrue();
  }
}
