package dev.modelmux;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelmux.emulator.EmulatedModel;
import dev.modelmux.emulator.EmulatorConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code emulator --config FILE} takes its models from the file's emulator: section, whatever else the file holds. */
class EmulatorCommandTest {
  @TempDir
  Path dir;

  @Test
  void aFileWithOnlyAnEmulatorSectionIsEnough() throws Exception {
    Path file = Files.writeString(dir.resolve("emulator.yaml"), """
        emulator:
          models:
            - { name: tiny-model, ttft_ms: 5, context_window: 2048 }
        """);
    EmulatorConfig settings = Main.EmulatorCommand.settings(file, "127.0.0.1", 12345);
    assertThat(settings.models()).extracting(EmulatedModel::name).containsExactly("tiny-model");
    assertThat(settings.port()).as("--port wins over the file").isEqualTo(12345);
  }

  @Test
  void aFullGatewayConfigWorksWithoutItsKeysInTheEnvironment() throws Exception {
    Path file = Files.writeString(dir.resolve("gateway.yaml"), """
        server: { port: 0 }
        emulator:
          models:
            - { name: gpt-4 }
            - { name: claude-2 }
        deployments:
          - { id: a, provider: openai, base_url: "https://api.openai.com/v1", api_key_env: NOT_SET_ANYWHERE_24, model: gpt-4,
              context_window: 8192, limits: { tpm: 1000, rpm: 10 } }
        routes:
          - { name: r, tiers: [[a]] }
        """);
    EmulatorConfig settings = Main.EmulatorCommand.settings(file, "0.0.0.0", 9);
    assertThat(settings.models()).extracting(EmulatedModel::name).containsExactly("gpt-4", "claude-2");
  }

  @Test
  void aFileWithoutAnEmulatorSectionIsRefusedSayingSo() throws Exception {
    Path file = Files.writeString(dir.resolve("no-emulator.yaml"), "server: { port: 0 }\n");
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int status = new CommandLine(new Main()).setErr(new PrintWriter(err, true))
        .execute("emulator", "--port", "0", "--config", file.toString());
    assertThat(status).isEqualTo(2);
  }

  @Test
  void aTakenPortIsNamed() throws Exception {
    try (ServerSocket held = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      PrintStream before = System.err;
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      try {
        assertThat(new CommandLine(new Main()).execute("emulator", "--host", "127.0.0.1", "--port", String.valueOf(held.getLocalPort())))
            .isEqualTo(1);
      } finally {
        System.setErr(before);
      }
      assertThat(err.toString(StandardCharsets.UTF_8).strip()).isEqualTo("modelmux: failed to start: port " + held.getLocalPort()
          + " (--port) is already in use; stop what holds it or choose another port");
    }
  }

  @Test
  void aBadEmulatorSectionNamesTheField() throws Exception {
    Path file = Files.writeString(dir.resolve("bad.yaml"), "emulator:\n  models:\n    - { name: x, fault: { kind: explode } }\n");
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream before = System.err;
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      assertThat(new CommandLine(new Main()).execute("emulator", "--port", "0", "--config", file.toString())).isEqualTo(2);
    } finally {
      System.setErr(before);
    }
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("emulator.models[0].fault.kind: unknown fault 'explode'");
  }
}
