package dev.modelmux;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelmux.server.ModelMux;
import dev.modelmux.testing.Await;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import picocli.CommandLine;

/**
 * {@code eval} end to end: a config with an in-process emulator (GPT-4 answers clean, GPT-3.5 in a blurb), a task
 * with a variant per family, cases run through the gateway; passing, failing, against a baseline, and its JUnit XML.
 */
class EvalCommandTest {
  @TempDir
  Path dir;
  private Path config;

  @BeforeEach
  void repository() throws IOException {
    int emulatorPort;
    try (ServerSocket s = new ServerSocket(0)) {
      emulatorPort = s.getLocalPort();
    }
    config = write("gateway.yaml", """
        server: { port: 0 }
        prompts: { dir: prompts, poll_ms: 60000 }
        emulator:
          port: %d
          models:
            - { name: gpt-4, style: clean }
            - { name: gpt-3.5-turbo, style: blurb }
          answers:
            - { when: "Summarise: (.*)", say: "Summary of $1." }
        deployments:
          - { id: g4, provider: openai, base_url: "http://127.0.0.1:%d/v1", api_key_env: KEY, model: gpt-4,
              context_window: 8192, limits: { tpm: 1000000, rpm: 10000 }, price: { input_per_mtok: 30.0, output_per_mtok: 60.0 } }
          - { id: g35, provider: openai, base_url: "http://127.0.0.1:%d/v1", api_key_env: KEY, model: gpt-3.5-turbo,
              context_window: 4096, limits: { tpm: 1000000, rpm: 10000 }, price: { input_per_mtok: 0.5, output_per_mtok: 1.5 } }
        routes:
          - { name: main, tiers: [[g4], [g35]] }
        """.formatted(emulatorPort, emulatorPort, emulatorPort));
    write("prompts/summarise/task.yaml", "route: main\nvariables: { text: { required: true } }\n");
    write("prompts/summarise/gpt-4.yaml", "match: [gpt-4]\nmessages:\n  - { role: user, content: \"Summarise: {{text}}\" }\n");
    write("prompts/summarise/gpt-3.5.yaml", """
        match: [gpt-3.5]
        messages:
          - { role: system, content: "Answer between <answer> and </answer>." }
          - { role: user, content: "Summarise: {{text}}" }
        post:
          - between: { start: "<answer>", end: "</answer>" }
        """);
    write("prompts/summarise/tests/basic.yaml", """
        - name: short text
          variables: { text: "the loop" }
          assert:
            - equals: "Summary of the loop."
            - not-contains: "Sure!"
            - max_tokens: 50
        - name: another
          variables: { text: "a map" }
          assert:
            - starts-with: "Summary of"
        """);
  }

  @Test
  void everyCasePassesOnEveryVariantAndTheResultsAreWritten() throws Exception {
    Run run = eval("--out", dir.resolve("out").toString());
    assertThat(run.exit).as(run.stderr).isZero();
    assertThat(run.stdout).containsPattern("summarise +gpt-4@[0-9a-f]{7} +gpt-4 +gpt-4 +2/2")
        .containsPattern("summarise +gpt-3.5@[0-9a-f]{7} +gpt-3.5-turbo +gpt-3.5-turbo +2/2").contains("4/4 cases passed");
    JsonObject json = new JsonObject(Files.readString(dir.resolve("out/eval.json")));
    assertThat(json.getJsonArray("cases")).hasSize(4);
    JsonObject first = json.getJsonArray("cases").getJsonObject(0);
    assertThat(first.getString("deployment")).isIn("g4", "g35");
    assertThat(first.getDouble("cost_usd")).isPositive();
    assertThat(json.getJsonObject("models").getJsonObject("g4").getString("system_fingerprint")).isNotBlank();
    Document junit = junit(dir.resolve("out/junit/TEST-eval.xml"));
    assertThat(junit.getDocumentElement().getAttribute("tests")).isEqualTo("4");
    assertThat(junit.getDocumentElement().getAttribute("failures")).isEqualTo("0");
  }

  @Test
  void aVariantWithoutItsPostProcessorFailsAndIsARegressionAgainstTheBaseline() throws Exception {
    assertThat(eval("--out", dir.resolve("before").toString()).exit).isZero();
    write("prompts/summarise/gpt-3.5.yaml", """
        match: [gpt-3.5]
        messages:
          - { role: system, content: "Answer between <answer> and </answer>." }
          - { role: user, content: "Summarise: {{text}}" }
        """);

    Run plain = eval("--out", dir.resolve("plain").toString());
    assertThat(plain.exit).isEqualTo(1);
    assertThat(plain.stdout).containsPattern("gpt-3.5@[0-9a-f]{7} +gpt-3.5-turbo +gpt-3.5-turbo +0/2")
        .contains("[short text]: equals: \"Summary of the loop.\"").contains("not-contains: \"Sure!\"");
    Document junit = junit(dir.resolve("plain/junit/TEST-eval.xml"));
    assertThat(junit.getDocumentElement().getAttribute("failures")).isEqualTo("2");
    assertThat(junit.getElementsByTagName("failure").item(0).getAttributes().getNamedItem("message").getNodeValue())
        .isNotBlank();

    Run compared = eval("--out", dir.resolve("after").toString(), "--baseline", dir.resolve("before/eval.json").toString());
    assertThat(compared.exit).isEqualTo(1);
    assertThat(compared.stdout).contains("REGRESSION summarise / gpt-3.5 / gpt-3.5-turbo: pass rate 2/2 -> 0/2")
        .contains("REGRESSION summarise / gpt-3.5 / gpt-3.5-turbo [short text]: passed before, fails now");
  }

  @Test
  void aCaseThatFailedBeforeIsNoRegressionButAChangedModelIsReported() throws Exception {
    write("prompts/summarise/tests/basic.yaml", "- name: always wrong\n  variables: { text: x }\n  assert: [{ contains: zebra }]\n");
    assertThat(eval("--out", dir.resolve("before").toString()).exit).isEqualTo(1);
    Path baseline = dir.resolve("before/eval.json");
    JsonObject json = new JsonObject(Files.readString(baseline));
    json.getJsonObject("models").getJsonObject("g4").put("system_fingerprint", "fp_last_month");
    Files.writeString(baseline, json.encode());

    Run run = eval("--out", dir.resolve("after").toString(), "--baseline", baseline.toString(), "--families", "gpt-4");
    assertThat(run.exit).as(run.stdout).isZero();
    assertThat(run.stdout).contains("MODEL CHANGED g4: gpt-4 (fp_last_month) -> gpt-4 (").contains("no regression")
        .doesNotContain("gpt-3.5-turbo ");
  }

  /** Issue 24 (9): a case the review page marked known failing is run and reported as such, and does not turn eval red. */
  @Test
  void aKnownFailingCaseIsReportedButFailsNeitherTheRunNorTheBaseline() throws Exception {
    write("prompts/summarise/tests/review-x.yaml", """
        - name: review x
          variables: { text: x }
          assert: [{ contains: zebra }]
          known_failing: "the model never says zebra; ticket 12"
        - name: review y
          variables: { text: y }
          assert: [{ starts-with: "Summary of" }]
          known_failing: "was flaky"
        """);
    Run run = eval("--out", dir.resolve("known").toString(), "--families", "gpt-4");
    assertThat(run.exit).as(run.stdout + run.stderr).isZero();
    assertThat(run.stdout).containsPattern("gpt-4 +3/4 \\(1 known failing\\)")
        .contains("KNOWN FAILING (the model never says zebra; ticket 12) summarise/gpt-4@").contains("[review x]: contains")
        .containsPattern("PASSES NOW \\(marked known failing: its known_failing line can go\\) summarise/gpt-4@[0-9a-f]{7} on gpt-4 \\[review y]")
        .contains("3/4 cases passed (1 failed as known failing").doesNotContain("FAIL summarise");
    JsonObject json = new JsonObject(Files.readString(dir.resolve("known/eval.json")));
    assertThat(json.getJsonArray("cases").stream().map(JsonObject.class::cast).filter(c -> "review x".equals(c.getString("case"))))
        .singleElement().satisfies(c -> assertThat(c.getString("known_failing")).isEqualTo("the model never says zebra; ticket 12"));
    Document junit = junit(dir.resolve("known/junit/TEST-eval.xml"));
    assertThat(junit.getDocumentElement().getAttribute("failures")).isEqualTo("0");
    assertThat(junit.getDocumentElement().getAttribute("skipped")).as("a known-failing case that passes is no skip").isEqualTo("1");
    assertThat(junit.getElementsByTagName("skipped").getLength()).isEqualTo(1);

    write("prompts/summarise/tests/review-x.yaml", "- name: review x\n  variables: { text: x }\n  assert: [{ contains: zebra }]\n");
    assertThat(eval("--out", dir.resolve("red").toString(), "--families", "gpt-4").exit).as("unmarked, it fails the run").isEqualTo(1);
    write("prompts/summarise/tests/review-x.yaml", "- name: review x\n  variables: { text: x }\n  assert: [{ contains: zebra }]\n"
        + "  known_failing: marked again\n");
    Run compared = eval("--out", dir.resolve("again").toString(), "--families", "gpt-4", "--baseline",
        dir.resolve("red/eval.json").toString());
    assertThat(compared.exit).as(compared.stdout).isZero();
    assertThat(compared.stdout).doesNotContain("REGRESSION").contains("no regression");
  }

  /** Beside a running gateway of the same config (its emulator holding the configured port), eval takes free ports. */
  @Test
  void runsBesideARunningGatewayOfTheSameConfig() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      ModelMux running = Await.await(ModelMux.start(vertx,
          ModelMux.configLoader(name -> "k").load(config)));
      Run run = eval("--out", dir.resolve("beside").toString());
      assertThat(run.exit).as(run.stdout + run.stderr).isZero();
      assertThat(run.stdout).contains("4/4 cases passed");
      Await.await(running.close());
    } finally {
      Await.await(vertx.close());
    }
  }

  /**
   * With --url, every call says it is eval traffic (x-modelmux-eval: one run id for the whole run) and carries the
   * operator key from MODELMUX_OPERATOR_KEY, which the gateway needs to honour the tag; the key never reaches the output.
   */
  @Test
  void withUrlEveryCallIsTaggedWithTheRunIdAndTheOperatorKey() throws Exception {
    Vertx vertx = Vertx.vertx();
    List<MultiMap> seen = new CopyOnWriteArrayList<>();
    try {
      var server = Await.await(fakeGateway(vertx, seen, true));
      Run run = evalWith(name -> switch (name) {
        case "MODELMUX_OPERATOR_KEY" -> "sk-operator-for-eval";
        case "MODELMUX_API_KEY" -> "sk-client-key";
        default -> null;
      }, "--url", "http://127.0.0.1:" + server.actualPort(), "--out", dir.resolve("url").toString());
      assertThat(run.stderr).doesNotContain("sk-operator-for-eval");
      assertThat(run.stdout).doesNotContain("sk-operator-for-eval");
      assertThat(seen).hasSize(4);
      String runId = seen.get(0).get("x-modelmux-eval");
      assertThat(runId).matches("eval-[0-9A-Za-z._:-]+");
      assertThat(seen).allSatisfy(h -> {
        assertThat(h.get("x-modelmux-eval")).isEqualTo(runId);
        assertThat(h.get("authorization")).isEqualTo("Bearer sk-operator-for-eval");
      });
      assertThat(run.stdout).contains(runId);
      Await.await(server.close());
    } finally {
      Await.await(vertx.close());
    }
  }

  /** A gateway that did not echo the tag took the calls as ordinary traffic: eval says so, and how to fix it. */
  @Test
  void withUrlAndNoOperatorKeyEvalSaysTheCallsCountedAsOrdinaryTraffic() throws Exception {
    Vertx vertx = Vertx.vertx();
    List<MultiMap> seen = new CopyOnWriteArrayList<>();
    try {
      var server = Await.await(fakeGateway(vertx, seen, false));
      Run run = evalWith(name -> name.equals("MODELMUX_API_KEY") ? "sk-client-key" : null,
          "--url", "http://127.0.0.1:" + server.actualPort(), "--out", dir.resolve("url").toString());
      assertThat(seen).allSatisfy(h -> assertThat(h.get("authorization")).isEqualTo("Bearer sk-client-key"));
      assertThat(run.stderr).contains("took 4 call(s) as ordinary traffic").contains("set MODELMUX_OPERATOR_KEY");
      Await.await(server.close());
    } finally {
      Await.await(vertx.close());
    }
  }

  /** A key goes over plain http only to a loopback host: eval refuses before any call, naming the fix. */
  @Test
  void withUrlAKeyIsNotSentOverPlainHttpToARemoteHost() throws Exception {
    Run run = evalWith(name -> name.equals("MODELMUX_OPERATOR_KEY") ? "sk-operator-for-eval" : null,
        "--url", "http://gateway.example.invalid:8080", "--out", dir.resolve("url").toString());
    assertThat(run.exit).isEqualTo(2);
    assertThat(run.stderr.strip()).doesNotContain("\n").contains("plain http").contains("https")
        .doesNotContain("sk-operator-for-eval");
    assertThat(run.stdout).doesNotContain("eval: run");
  }

  /** localhost in any case is loopback: the key is sent over plain http. */
  @Test
  void withUrlOnLocalhostInCapitalsTheKeyIsSent() throws Exception {
    Vertx vertx = Vertx.vertx();
    List<MultiMap> seen = new CopyOnWriteArrayList<>();
    try {
      var server = Await.await(fakeGateway(vertx, seen, true));
      Run run = evalWith(name -> name.equals("MODELMUX_OPERATOR_KEY") ? "sk-operator-for-eval" : null,
          "--url", "http://LOCALHOST:" + server.actualPort(), "--out", dir.resolve("url").toString());
      assertThat(run.exit).as(run.stderr).isZero();
      assertThat(seen).hasSize(4).allSatisfy(h -> assertThat(h.get("authorization")).isEqualTo("Bearer sk-operator-for-eval"));
      Await.await(server.close());
    } finally {
      Await.await(vertx.close());
    }
  }

  /** Answers every call as a gateway would (a summary from g4), echoing x-modelmux-eval when {@code honours}. */
  private static Future<HttpServer> fakeGateway(Vertx vertx, List<MultiMap> seen,
      boolean honours) {
    return vertx.createHttpServer().requestHandler(req -> {
      seen.add(MultiMap.caseInsensitiveMultiMap().addAll(req.headers()));
      if (honours) {
        req.response().putHeader("x-modelmux-eval", req.getHeader("x-modelmux-eval"));
      }
      req.response().putHeader("content-type", "application/json").putHeader("x-modelmux-deployment", "g4")
          .end(new JsonObject().put("choices", new JsonArray().add(new JsonObject()
              .put("message", new JsonObject().put("role", "assistant").put("content", "Summary of the loop."))))
              .put("usage", new JsonObject().put("prompt_tokens", 5).put("completion_tokens", 4)).encode());
    }).listen(0, "127.0.0.1");
  }

  @Test
  void aBrokenCaseFileIsRefusedNamingTheFileAndField() throws Exception {
    write("prompts/summarise/tests/basic.yaml", "- name: bad\n  variables: { text: x }\n  assert: [{ containz: x }]\n");
    Run run = eval();
    assertThat(run.exit).isEqualTo(2);
    assertThat(run.stderr).contains("basic.yaml[0].assert[0].containz").contains("unknown assertion");
  }

  private record Run(int exit, String stdout, String stderr) {}

  private Run eval(String... extra) {
    return evalWith(name -> null, extra);
  }

  private Run evalWith(UnaryOperator<String> environment, String... extra) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    EvalCommand command = new EvalCommand(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
        name -> name.equals("KEY") ? "emulator-key" : environment.apply(name));
    String[] args = new String[extra.length + 2];
    args[0] = "--config";
    args[1] = config.toString();
    System.arraycopy(extra, 0, args, 2, extra.length);
    int exit = new CommandLine(command).execute(args);
    return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  private Path write(String name, String text) throws IOException {
    Path file = dir.resolve(name);
    Files.createDirectories(file.getParent());
    Files.writeString(file, text);
    return file;
  }

  private static Document junit(Path file) throws Exception {
    return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(file.toFile());
  }
}
