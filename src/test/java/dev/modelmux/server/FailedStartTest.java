package dev.modelmux.server;

import static dev.modelmux.testing.Eventually.assertEventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.modelmux.config.GatewayConfig;
import dev.modelmux.testing.Await;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A start that fails closes what it had started, before it reports the failure; Vert.x itself stays up. */
class FailedStartTest {
  @TempDir
  Path dir;

  @Test
  void aTakenGatewayPortLeavesTheEmbeddedEmulatorsPortFree() throws Exception {
    int emulatorPort;
    try (ServerSocket probe = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      emulatorPort = probe.getLocalPort();
    }
    Vertx vertx = Vertx.vertx();
    try (ServerSocket held = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      Path file = Files.writeString(dir.resolve("gateway.yaml"), """
          server: { port: %d, host: 127.0.0.1 }
          emulator: { host: 127.0.0.1, port: %d, models: [{ name: gpt-4 }] }
          deployments:
            - { id: g4, provider: openai, base_url: "http://127.0.0.1:%d/v1", emulator_account: a, model: gpt-4,
                context_window: 8192, limits: { tpm: 1000000, rpm: 10000 } }
          routes:
            - { name: main, tiers: [[g4]] }
          """.formatted(held.getLocalPort(), emulatorPort, emulatorPort));
      GatewayConfig config = ModelMux.configLoader(name -> null).load(file);
      assertThatThrownBy(() -> Await.await(ModelMux.start(vertx, config))).hasStackTraceContaining("in use");
      // Seen once beside two CPU hogs: the bind right after the failure was refused; a few seconds still tell a freed
      // port from one the emulator keeps.
      assertEventually(5, () -> {
        try (ServerSocket again = new ServerSocket()) {
          again.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), emulatorPort));
          assertThat(again.isBound()).isTrue();
        } catch (IOException e) {
          throw new AssertionError("the emulator's port " + emulatorPort + " is still taken", e);
        }
      });
    } finally {
      Await.await(vertx.close());
    }
  }
}
