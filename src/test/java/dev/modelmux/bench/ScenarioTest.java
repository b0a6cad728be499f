package dev.modelmux.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.modelmux.bench.GeneratorVerticle.Phase;
import dev.modelmux.bench.Scenario.Mode;
import dev.modelmux.bench.Scenario.SchedulerKind;
import dev.modelmux.bench.Scenario.Target;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ScenarioTest {
  private static final List<Target> TWO = List.of(Target.parse("direct=http://127.0.0.1:9099/v1/chat/completions"),
      Target.parse("gateway=http://127.0.0.1:8080/v1/chat/completions"));

  @Test
  void planAlternatesTargetsAbbaAndGivesEachTheSameNumberOfRequests() {
    Scenario s = Scenario.of(TWO, 1000).withDuration(Duration.ofSeconds(2)).withWarmup(Duration.ofMillis(500))
        .withRounds(4);
    List<Phase> plan = GeneratorVerticle.plan(s);
    assertThat(plan.get(0).recorded()).isFalse();
    assertThat(plan.get(0).count()).isEqualTo(500);
    List<Phase> plain = plan.stream().filter(p -> p.mode() == Mode.PLAIN).toList();
    assertThat(plain).extracting(Phase::target).containsExactly(0, 1, 1, 0, 0, 1, 1, 0);
    Map<Integer, Long> perTarget = plan.stream().filter(Phase::recorded)
        .collect(Collectors.groupingBy(Phase::target, Collectors.summingLong(Phase::count)));
    assertThat(perTarget).containsEntry(0, 4000L).containsEntry(1, 4000L);
    for (int i = 1; i < plan.size(); i++) {
      assertThat(plan.get(i).first()).isEqualTo(plan.get(i - 1).end()); // one continuous schedule
    }
    assertThat(plan.get(plan.size() - 1).mode()).isEqualTo(Mode.STREAM);
  }

  @Test
  void bodyHasModelAndStreamFlagPerMode() {
    Scenario s = Scenario.of(TWO, 100);
    assertThat(s.bodyFor(Mode.PLAIN).getString("model")).isEqualTo("gpt-4");
    assertThat(s.bodyFor(Mode.PLAIN).getBoolean("stream")).isFalse();
    assertThat(s.bodyFor(Mode.STREAM).getBoolean("stream")).isTrue();
    JsonObject template = new JsonObject().put("model", "gpt-4o").put("messages", new JsonArray());
    Scenario keep = Scenario.of(TWO, 100).withDuration(Duration.ofSeconds(1)).withWarmup(Duration.ZERO).withRounds(1)
        .withConnections(4).withBody(template);
    assertThat(keep.bodyFor(Mode.STREAM).getString("model")).isEqualTo("gpt-4o");
    Scenario override = Scenario.of(TWO, 100).withDuration(Duration.ofSeconds(1)).withWarmup(Duration.ZERO).withRounds(1)
        .withConnections(4).withModel("code-reasoning").withBody(template);
    assertThat(override.bodyFor(Mode.PLAIN).getString("model")).isEqualTo("code-reasoning");
  }

  @Test
  void badOptionsAreRejectedWithTheOptionName() {
    assertThatThrownBy(() -> Target.parse("nourl")).hasMessageContaining("--target");
    assertThatThrownBy(() -> Target.parse("x=ftp://host/")).hasMessageContaining("--target x");
    assertThatThrownBy(() -> Scenario.of(List.of(TWO.get(0), TWO.get(0)), 10)).hasMessageContaining("duplicate");
    assertThatThrownBy(() -> Scenario.of(TWO, 0)).hasMessageContaining("--rate");
    assertThatThrownBy(() -> Scenario.of(TWO, 1).withDuration(Duration.ofSeconds(1)).withRounds(10))
        .hasMessageContaining("--rounds");
    assertThatThrownBy(() -> Mode.parseSet("fast")).hasMessageContaining("--mode");
  }

  @Test
  void commandLineBuildsTheScenario(@TempDir Path dir) throws Exception {
    Path body = dir.resolve("body.json");
    Files.writeString(body, "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    LoadGenerator cmd = new LoadGenerator();
    new CommandLine(cmd).parseArgs("--target", "direct=http://127.0.0.1:9099/v1/chat/completions",
        "--target", "gateway=http://127.0.0.1:8080/v1/chat/completions", "--rate", "500", "--duration", "4",
        "--warmup", "2.5", "--mode", "stream", "--connections", "8", "--body-file", body.toString(),
        "--header", "Authorization: Bearer sk-test", "--scheduler", "timer", "--rounds", "4");
    Scenario s = cmd.toScenario();
    assertThat(s.targetNames()).containsExactly("direct", "gateway");
    assertThat(s.rate()).isEqualTo(500);
    assertThat(s.duration()).isEqualTo(Duration.ofSeconds(4));
    assertThat(s.warmup()).isEqualTo(Duration.ofMillis(2500));
    assertThat(s.modes()).isEqualTo(EnumSet.of(Mode.STREAM));
    assertThat(s.connections()).isEqualTo(8);
    assertThat(s.scheduler()).isEqualTo(SchedulerKind.TIMER);
    assertThat(s.headers()).containsEntry("Authorization", "Bearer sk-test");
    assertThat(s.requestsPerTargetAndMode()).isEqualTo(2000);
    assertThat(s.bodyFor(Mode.STREAM).getString("model")).isEqualTo("gpt-4o");
  }

  @Test
  void contentDetectionNeedsANonEmptyDeltaContent() {
    assertThat(ResponseReader.hasContent(new JsonObject(
        "{\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}"))).isFalse();
    assertThat(ResponseReader.hasContent(new JsonObject(
        "{\"choices\":[{\"index\":0,\"delta\":{\"content\":null}}]}"))).isFalse();
    assertThat(ResponseReader.hasContent(new JsonObject("{\"choices\":[],\"usage\":{}}"))).isFalse();
    assertThat(ResponseReader.hasContent(new JsonObject(
        "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"}}]}"))).isTrue();
  }

  @Test
  void targetsCarryTheirOwnModelAndBaseline() {
    Target plain = Target.parse("direct=http://127.0.0.1:9199/v1/chat/completions");
    assertThat(plain.model()).isNull();
    Target withModel = Target.parse("direct-anthropic=http://127.0.0.1:9199/v1/messages@claude-2");
    assertThat(withModel.url().toString()).isEqualTo("http://127.0.0.1:9199/v1/messages");
    assertThat(withModel.model()).isEqualTo("claude-2");
    Target userInfo = Target.parse("x=http://user@127.0.0.1:9199/v1/messages");
    assertThat(userInfo.model()).isNull();
    assertThat(userInfo.url().getHost()).isEqualTo("127.0.0.1");
    assertThatThrownBy(() -> Target.parse("x=http://127.0.0.1/v1@")).hasMessageContaining("empty model");

    JsonObject template = new JsonObject().put("messages", new JsonArray());
    Scenario s = Scenario.of(List.of(plain, withModel), 100).withDuration(Duration.ofSeconds(1)).withWarmup(Duration.ZERO)
        .withRounds(1).withConnections(4).withBody(template);
    assertThat(s.bodyFor(Mode.STREAM, 0).getString("model")).isEqualTo("gpt-4");
    assertThat(s.bodyFor(Mode.STREAM, 1).getString("model")).isEqualTo("claude-2");
    assertThat(s.bodyFor(Mode.STREAM, 1).getBoolean("stream")).isTrue();
    // Anthropic refuses a request without max_tokens: a template without one gets the default
    assertThat(s.bodyFor(Mode.STREAM, 1).getInteger("max_tokens")).isEqualTo(Scenario.DEFAULT_MAX_TOKENS);
    Scenario keepsMax = Scenario.of(List.of(plain), 100).withDuration(Duration.ofSeconds(1)).withWarmup(Duration.ZERO)
        .withRounds(1).withConnections(4).withBody(template.copy().put("max_tokens", 64));
    assertThat(keepsMax.bodyFor(Mode.PLAIN, 0).getInteger("max_tokens")).isEqualTo(64);
  }

  @Test
  void compareAndOverheadRatioOptionsParse() throws Exception {
    LoadGenerator cmd = new LoadGenerator();
    new CommandLine(cmd).parseArgs(
        "--target", "direct-openai=http://127.0.0.1:9199/v1/chat/completions@gpt-4",
        "--target", "gateway-openai=http://127.0.0.1:8180/v1/chat/completions@bench",
        "--target", "direct-anthropic=http://127.0.0.1:9199/v1/messages@claude-2",
        "--target", "gateway-anthropic=http://127.0.0.1:8180/v1/chat/completions@bench-claude",
        "--compare", "gateway-anthropic=direct-anthropic",
        "--overhead-ratio", "cross-dialect translation=gateway-anthropic/gateway-openai",
        "--max-overhead-ratio", "1.25", "--mode", "stream");
    Scenario s = cmd.toScenario();
    assertThat(s.targets()).extracting(Target::model).containsExactly("gpt-4", "bench", "claude-2", "bench-claude");
    assertThat(s.baselineOf(0)).isEqualTo("direct-openai");
    assertThat(s.baselineOf(1)).isEqualTo("direct-openai");
    assertThat(s.baselineOf(2)).isEqualTo("direct-openai");
    assertThat(s.baselineOf(3)).isEqualTo("direct-anthropic");
    assertThat(s.overheadChecks()).containsExactly(new Scenario.OverheadSpec("cross-dialect translation",
        "gateway-anthropic", "gateway-openai", 1.25));
    assertThat(Scenario.OverheadSpec.parse("a/b", 1.2).label()).isEqualTo("overhead a / b");

    assertThatThrownBy(() -> options("--target", "a=http://h/x", "--compare", "b=a").toScenario())
        .hasMessageContaining("--compare b=a").hasMessageContaining("no target named 'b'");
    assertThatThrownBy(() -> options("--target", "a=http://h/x", "--target", "b=http://h/y", "--compare", "b=c")
        .toScenario()).hasMessageContaining("--compare b=c").hasMessageContaining("'c'");
    assertThatThrownBy(() -> options("--target", "a=http://h/x", "--compare", "a=a").toScenario())
        .hasMessageContaining("own baseline");
    assertThatThrownBy(() -> options("--target", "a=http://h/x", "--compare", "nope").toScenario())
        .hasMessageContaining("TARGET=BASELINE");
    assertThatThrownBy(() -> options("--target", "a=http://h/x", "--overhead-ratio", "a").toScenario())
        .hasMessageContaining("CANDIDATE/REFERENCE");
    assertThatThrownBy(() -> options("--target", "a=http://h/x", "--overhead-ratio", "a/z").toScenario())
        .hasMessageContaining("no target named 'z'");
    assertThatThrownBy(() -> options("--target", "a=http://h/x", "--target", "b=http://h/y",
        "--overhead-ratio", "a/b", "--max-overhead-ratio", "0").toScenario())
        .hasMessageContaining("--max-overhead-ratio");
  }

  private static LoadGenerator options(String... args) {
    LoadGenerator cmd = new LoadGenerator();
    new CommandLine(cmd).parseArgs(args);
    return cmd;
  }

  @Test
  void anthropicContentDetectionNeedsANonEmptyDeltaText() {
    assertThat(ResponseReader.hasAnthropicText(new JsonObject(
        "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hi\"}}"))).isTrue();
    assertThat(ResponseReader.hasAnthropicText(new JsonObject(
        "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"\"}}"))).isFalse();
    assertThat(ResponseReader.hasAnthropicText(new JsonObject(
        "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\"}}")))
        .isFalse();
  }

  @Test
  void closedLoopWindowsAreWarmupThenAbbaPerMode() {
    Scenario s = Scenario.of(TWO, 100).withDuration(Duration.ofSeconds(4)).withWarmup(Duration.ofSeconds(2))
        .withRounds(2).withClosedLoop(true);
    List<ClosedLoopVerticle.Window> plan = ClosedLoopVerticle.plan(s);
    assertThat(plan).extracting(w -> w.target() + ":" + w.mode())
        .containsExactly("-1:null", "0:PLAIN", "1:PLAIN", "1:PLAIN", "0:PLAIN", "0:STREAM", "1:STREAM", "1:STREAM",
            "0:STREAM");
    assertThat(plan.get(0).recorded()).isFalse();
    assertThat(plan.get(0).nanos()).isEqualTo(2_000_000_000L);
    assertThat(plan.get(1).nanos()).isEqualTo(2_000_000_000L);
  }
}
