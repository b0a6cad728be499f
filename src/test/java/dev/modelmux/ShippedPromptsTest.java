package dev.modelmux;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelmux.prompts.Catalog;
import dev.modelmux.prompts.PromptRepository;
import dev.modelmux.prompts.Task;
import dev.modelmux.prompts.Variant;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The repository's own prompts/: the demo tasks load, have a variant per family, and their suites pass on the demo. */
class ShippedPromptsTest {
  @Test
  void theDemoTasksLoadWithAVariantPerFamily() {
    Catalog catalog = new PromptRepository(Path.of("prompts").toAbsolutePath(), route -> route.equals("code-reasoning")).reload();
    assertThat(catalog.errors()).isEmpty();
    assertThat(catalog.tasks()).containsKeys("explain-code", "generate-unit-tests", "security-explain");
    for (Task task : catalog.tasks().values()) {
      assertThat(task.variants()).as(task.name()).extracting(Variant::name).contains("gpt-4", "gpt-3.5", "claude");
      assertThat(Path.of("prompts", task.name(), "tests")).as(task.name() + " has a suite").isDirectory();
    }
  }

  @Test
  void everySuitePassesOnEveryVariantAgainstTheDemo(@TempDir Path dir) throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    String demo = Files.readString(Path.of("conf/demo.yaml"))
        .replace("9099", Integer.toString(port))
        .replace("prompts: { dir: ../prompts }", "prompts: { dir: \"" + Path.of("prompts").toAbsolutePath() + "\" }");
    Path config = Files.writeString(dir.resolve("demo.yaml"), demo);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit = new CommandLine(new EvalCommand(new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8), name -> "demo-key"))
        .execute("--config", config.toString(), "--out", dir.resolve("eval").toString(), "--parallel", "8");
    String report = out.toString(StandardCharsets.UTF_8);
    assertThat(exit).as(report + err.toString(StandardCharsets.UTF_8)).isZero();
    assertThat(report).containsPattern("eval: (\\d+)/\\1 cases passed")
        .containsPattern("explain-code +gpt-3.5@\\w+ +gpt-3.5-turbo").containsPattern("security-explain +claude@\\w+ +claude-2");
  }
}
