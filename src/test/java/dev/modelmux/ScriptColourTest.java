package dev.modelmux;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo, eval and test scripts' output (Maven's build among it) carries colour codes only to a terminal with NO_COLOR
 * unset: a pipe or a log file gets plain text. A terminal is given by util-linux's {@code script}.
 */
class ScriptColourTest {
  private static final String COLOURED = "printf '\\033[1mbuilding\\033[0m\\n' | plain_unless_terminal";
  private static final String ESC = "\u001b[";

  @Test
  void aPipeGetsNoEscapeCodes() throws Exception {
    String out = run(List.of("bash", "-c", "source scripts/lib/build-jar.sh; " + COLOURED), Map.of());
    assertThat(out).isEqualTo("building\n").doesNotContain(ESC);
  }

  @Test
  void aTerminalGetsColourUnlessNoColourIsSet() throws Exception {
    List<String> onTerminal = List.of("script", "-qec", "bash -c \"source scripts/lib/build-jar.sh; " + COLOURED + "\"", "/dev/null");
    assertThat(run(onTerminal, Map.of())).contains(ESC + "1mbuilding");
    assertThat(run(onTerminal, Map.of("NO_COLOR", "1"))).contains("building").doesNotContain(ESC);
  }

  @Test
  void theScriptsBuildThroughTheFilter() throws IOException {
    for (String script : List.of("scripts/demo.sh", "scripts/eval.sh")) {
      assertThat(Files.readString(Path.of(script))).as(script).contains("source scripts/lib/build-jar.sh").contains("build_jar_if_stale")
          .doesNotContain("mvn ");
    }
  }

  /**
   * test.sh, given a Maven that colours its output and fails (a stand-in first on the PATH): no escape code reaches
   * a pipe, and test.sh still reports and exits with Maven's status.
   */
  @Test
  void testShPipesMavenThroughTheFilterAndKeepsItsStatus(@TempDir Path bin) throws Exception {
    Path mvn = bin.resolve("mvn");
    Files.writeString(mvn, "#!/bin/sh\nprintf '\\033[1;31m[ERROR]\\033[0m a test failed\\n'\nexit 3\n");
    mvn.toFile().setExecutable(true);
    ProcessBuilder pb = new ProcessBuilder("bash", "scripts/test.sh").redirectErrorStream(true);
    pb.environment().remove("NO_COLOR");
    pb.environment().put("PATH", bin + ":" + System.getenv("PATH"));
    Process p = pb.start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(out).contains("test.sh: running the whole suite").contains("[ERROR] a test failed")
        .contains("test.sh: FAILED (mvn exit 3").doesNotContain(ESC);
    assertThat(p.exitValue()).isEqualTo(3);
  }

  private static String run(List<String> command, Map<String, String> env) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().remove("NO_COLOR");
    pb.environment().putAll(env);
    Process p = pb.start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return out.replace("\r\n", "\n");
  }
}
