package dev.modelmux;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code serve} on a port something else holds says which port, in one line, and exits non-zero. */
class ServeCommandTest {
  @TempDir
  Path dir;

  @Test
  void aTakenEmulatorPortIsNamed() throws Exception {
    try (ServerSocket held = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      Path config = Files.writeString(dir.resolve("gateway.yaml"), """
          server: { port: 0, host: 127.0.0.1 }
          emulator: { port: %d, models: [{ name: gpt-4 }] }
          deployments:
            - { id: g4, provider: openai, base_url: "http://127.0.0.1:%d/v1", emulator_account: a, model: gpt-4,
                context_window: 8192, limits: { tpm: 1000000, rpm: 10000 } }
          routes:
            - { name: main, tiers: [[g4]] }
          """.formatted(held.getLocalPort(), held.getLocalPort()));
      Run run = serve(config);
      assertThat(run.exit).isEqualTo(1);
      assertThat(run.stderr.strip()).isEqualTo("modelmux: failed to start: port " + held.getLocalPort()
          + " (emulator.port) is already in use; stop what holds it or choose another port");
    }
  }

  @Test
  void aTakenGatewayPortIsNamed() throws Exception {
    try (ServerSocket held = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      Path config = Files.writeString(dir.resolve("gateway.yaml"), """
          server: { port: %d, host: 127.0.0.1 }
          deployments:
            - { id: g4, provider: openai, base_url: "http://127.0.0.1:9/v1", emulator_account: a, model: gpt-4,
                context_window: 8192, limits: { tpm: 1000000, rpm: 10000 } }
          routes:
            - { name: main, tiers: [[g4]] }
          """.formatted(held.getLocalPort()));
      Run run = serve(config);
      assertThat(run.exit).isEqualTo(1);
      assertThat(run.stderr).contains("port " + held.getLocalPort() + " (server.port) is already in use").doesNotContain("\tat ");
    }
  }

  /** A failed start closes what it had started: the embedded emulator's port is free again at once. */
  @Test
  void aFailedStartFreesTheEmulatorPort() throws Exception {
    int emulatorPort;
    try (ServerSocket probe = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      emulatorPort = probe.getLocalPort();
    }
    try (ServerSocket held = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      Path config = Files.writeString(dir.resolve("gateway.yaml"), """
          server: { port: %d, host: 127.0.0.1 }
          emulator: { host: 127.0.0.1, port: %d, models: [{ name: gpt-4 }] }
          deployments:
            - { id: g4, provider: openai, base_url: "http://127.0.0.1:%d/v1", emulator_account: a, model: gpt-4,
                context_window: 8192, limits: { tpm: 1000000, rpm: 10000 } }
          routes:
            - { name: main, tiers: [[g4]] }
          """.formatted(held.getLocalPort(), emulatorPort, emulatorPort));
      Run run = serve(config);
      assertThat(run.exit).isEqualTo(1);
      assertThat(run.stderr).contains("port " + held.getLocalPort() + " (server.port) is already in use");
    }
    try (ServerSocket again = new ServerSocket()) {
      again.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), emulatorPort));
    }
  }

  /** An address this host cannot listen on is not "in use": the bind's own error is said. */
  @Test
  void anAddressThatCannotBeBoundIsNotCalledInUse() throws Exception {
    Path config = Files.writeString(dir.resolve("gateway.yaml"), """
        server: { port: 0, host: 192.0.2.1 }
        deployments:
          - { id: g4, provider: openai, base_url: "http://127.0.0.1:9/v1", emulator_account: a, model: gpt-4,
              context_window: 8192, limits: { tpm: 1000000, rpm: 10000 } }
        routes:
          - { name: main, tiers: [[g4]] }
        """);
    Run run = serve(config);
    assertThat(run.exit).isEqualTo(1);
    assertThat(run.stderr.strip()).startsWith("modelmux: failed to start:").doesNotContain("in use").doesNotContain("\n")
        .containsIgnoringCase("assign requested address");
  }

  private record Run(int exit, String stderr) {}

  private static Run serve(Path config) {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream before = System.err;
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      int exit = new CommandLine(new Main()).execute("serve", "--config", config.toString());
      return new Run(exit, err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setErr(before);
    }
  }
}
