package dev.modelmux;

import static dev.modelmux.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.modelmux.server.ModelMux;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code replay} end to end: calls logged by a gateway (SQLite log), re-sent with a candidate variant, old against
 * new output with the task's assertions on both, and the exit code when the candidate does worse.
 */
class ReplayCommandTest {
  private static final String BAD = "match: default\nmessages:\n  - { role: user, content: \"say: This {{language}} code uses the fastsum crate.\" }\n";
  private static final String GOOD = "match: default\nmessages:\n  - { role: user, content: \"say: This {{language}} code uses the standard library.\" }\n";

  @TempDir
  Path dir;
  private Path config;

  @BeforeEach
  void setUp() throws IOException {
    int emulator;
    try (ServerSocket s = new ServerSocket(0)) {
      emulator = s.getLocalPort();
    }
    config = write("gateway.yaml", """
        server: { port: 0 }
        prompts: { dir: prompts, poll_ms: 60000 }
        interactions: { store: sqlite, path: log.db, flush_ms: 10 }
        emulator: { port: %d, models: [{ name: gpt-4 }] }
        deployments:
          - { id: g4, provider: openai, base_url: "http://127.0.0.1:%d/v1", api_key_env: KEY, model: gpt-4, context_window: 8192,
              limits: { tpm: 1000000, rpm: 10000 }, price: { input_per_mtok: 30.0, output_per_mtok: 60.0 } }
        routes:
          - { name: main, tiers: [[g4]] }
        """.formatted(emulator, emulator));
    write("prompts/explain/task.yaml", "route: main\nvariables: { code: { required: true }, language: { required: true } }\n");
    write("prompts/explain/tests/review.yaml", """
        - name: the rust sum a reviewer confirmed as a hallucination
          variables: { language: rust, code: "xs.iter().sum()" }
          assert:
            - not-contains: fastsum
            - contains: standard library
        """);
  }

  /** Logs one call of the task, through a gateway serving the given variant. */
  private void logACall(String variant) throws Exception {
    logACall(variant, null);
  }

  /** Logs one call of the task; with an eval run, tagged as eval traffic (this gateway has no auth: a loopback call may tag). */
  private void logACall(String variant, String evalRun) throws Exception {
    write("prompts/explain/default.yaml", variant);
    Vertx vertx = Vertx.vertx();
    try {
      ModelMux mux = await(ModelMux.start(vertx, ModelMux.configLoader(name -> "k").load(config)));
      HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + mux.port() + "/v1/chat/completions"))
          .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
              new JsonObject().put("model", "task:explain").put("variables", new JsonObject().put("language", "rust")
                  .put("code", "xs.iter().sum()")).encode()));
      if (evalRun != null) {
        request.header("x-modelmux-eval", evalRun);
      }
      HttpResponse<String> reply = HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
      assertThat(reply.statusCode()).isEqualTo(200);
      assertThat(reply.headers().firstValue("x-modelmux-eval")).as("taken as eval traffic").isEqualTo(Optional.ofNullable(evalRun));
      await(mux.interactions().stored(reply.headers().firstValue("x-request-id").orElseThrow()));
      await(mux.close());
    } finally {
      await(vertx.close());
    }
  }

  @Test
  void aBetterCandidateIsShownAgainstTheLoggedAnswer() throws Exception {
    logACall(BAD);
    Path candidate = write("candidate/default.yaml", GOOD);
    Run run = replay("--variant", candidate.toString());
    assertThat(run.exit).as(run.stdout + run.stderr).isZero();
    assertThat(run.stdout).contains("This rust code uses the [-fastsum crate.-] {+standard library.+}")
        .contains("assertions 0/2 before, 2/2 after").contains("1 calls, 1 with assertions: 0 passed before, 1 with the candidate");
    assertThat(run.stdout).containsPattern("cost \\$0\\.\\d+ -> \\$0\\.\\d+");
  }

  @Test
  void aWorseCandidateExitsNonZero() throws Exception {
    logACall(GOOD);
    Path candidate = write("candidate/default.yaml", BAD);
    Run run = replay("--variant", candidate.toString(), "--where", "deployment=g4");
    assertThat(run.exit).as(run.stdout + run.stderr).isEqualTo(1);
    assertThat(run.stdout).contains("assertions 2/2 before, 0/2 after").contains("fewer cases");
  }

  /** Eval traffic (eval --url's own calls) is not what users asked: replay re-sends only ordinary calls. */
  @Test
  void evalTrafficIsNotReplayed() throws Exception {
    logACall(BAD);
    logACall(BAD, "eval-run-1");
    logACall(BAD, "eval-run-2");
    Run run = replay("--variant", write("candidate/default.yaml", GOOD).toString());
    assertThat(run.exit).as(run.stdout + run.stderr).isZero();
    assertThat(run.stdout).contains("1 calls, 1 with assertions: 0 passed before, 1 with the candidate");
  }

  /** Beside a running gateway of the same config (its emulator holding the configured port), replay takes free ports. */
  @Test
  void runsBesideARunningGatewayOfTheSameConfig() throws Exception {
    logACall(BAD);
    Vertx vertx = Vertx.vertx();
    try {
      ModelMux running = await(ModelMux.start(vertx, ModelMux.configLoader(name -> "k").load(config)));
      Run run = replay("--variant", write("candidate/default.yaml", GOOD).toString());
      assertThat(run.exit).as(run.stdout + run.stderr).isZero();
      assertThat(run.stdout).contains("1 calls, 1 with assertions: 0 passed before, 1 with the candidate");
      await(running.close());
    } finally {
      await(vertx.close());
    }
  }

  @Test
  void badInputIsRefused() throws Exception {
    logACall(GOOD);
    assertThat(replay("--variant", write("candidate/default.yaml", "match: default\nmessages: nope\n").toString()).exit).isEqualTo(2);
    Run unknownFilter = replay("--variant", write("candidate/default.yaml", GOOD).toString(), "--where", "colour=red");
    assertThat(unknownFilter.exit).isEqualTo(2);
    assertThat(unknownFilter.stderr).contains("--where takes");
    Run nothing = replay("--variant", write("candidate/default.yaml", GOOD).toString(), "--where", "verdict=fine");
    assertThat(nothing.exit).isZero();
    assertThat(nothing.stdout).contains("no logged calls");
  }

  private record Run(int exit, String stdout, String stderr) {}

  private Run replay(String... extra) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    ReplayCommand command = new ReplayCommand(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
        name -> "k");
    String[] args = new String[extra.length + 4];
    args[0] = "--config";
    args[1] = config.toString();
    args[2] = "--task";
    args[3] = "explain";
    System.arraycopy(extra, 0, args, 4, extra.length);
    int exit = new CommandLine(command).execute(args);
    return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  private Path write(String name, String text) throws IOException {
    Path file = dir.resolve(name);
    Files.createDirectories(file.getParent());
    Files.writeString(file, text);
    return file;
  }
}
