package dev.modelmux.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.modelmux.testing.GatewayProcess;
import java.io.IOException;
import java.math.BigInteger;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * SIGTERM (how Kubernetes stops a pod) and SIGINT without a console keep the drain delay, answering /health/ready
 * with 503 while load balancers notice. A replica in a JVM of its own, with a 20 s drain delay.
 */
class SignalTest {
  private static final long DRAIN_DELAY_MS = 20_000;
  private static final String CONFIG = """
      server: { port: 0, drain_delay_ms: %d, drain_ms: 40000 }
      deployments:
        - { id: d, provider: openai, base_url: "http://127.0.0.1:9/v1", emulator_account: a, model: gpt-4,
            context_window: 8192, limits: { tpm: 1000000, rpm: 10000 } }
      routes:
        - { name: main, tiers: [[d]] }
      """.formatted(DRAIN_DELAY_MS);

  /**
   * SIGTERM, and SIGINT from a supervisor (Docker's STOPSIGNAL, systemd's KillSignal: no console), keep the drain delay
   * on an idle gateway too. Ctrl-C at a console skips it: {@link ShutdownTest} covers that decision.
   */
  @ParameterizedTest
  @ValueSource(strings = {"TERM", "INT"})
  void aSignalWithoutAConsoleKeepsTheDrainDelayAnsweringNotReady(String signal) throws Exception {
    assumeFalse(signal.equals("INT") && sigintIgnored(), "SIGINT is ignored by this JVM (started in the background of a shell "
        + "without job control, or under nohup), so the replica it starts inherits that and the JVM never sees the signal");
    try (GatewayProcess gateway = GatewayProcess.start(CONFIG)) {
      long start = System.nanoTime();
      gateway.signal(signal);
      long observeMs = DRAIN_DELAY_MS / 2;
      int notReady = 0;
      while (TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) < observeMs) {
        int status = ready(gateway.port());
        assertThat(status).as("GET /health/ready during the drain delay").isIn(200, 503);
        notReady += status == 503 ? 1 : 0;
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
      }
      assertThat(gateway.alive()).as("still draining %d ms after SIG%s; output:%n%s", observeMs, signal, gateway.output()).isTrue();
      assertThat(ready(gateway.port())).isEqualTo(503);
      assertThat(notReady).isPositive();
    }
  }

  /** Whether SIGINT (signal 2) is ignored here: a child inherits that, and the JVM then leaves SIGINT alone. */
  private static boolean sigintIgnored() throws IOException {
    Path status = Path.of("/proc/self/status");
    if (!Files.exists(status)) {
      return false;
    }
    return Files.readAllLines(status).stream().filter(line -> line.startsWith("SigIgn:"))
        .map(line -> new BigInteger(line.substring("SigIgn:".length()).trim(), 16)).anyMatch(mask -> mask.testBit(1));
  }

  private static int ready(int port) throws IOException {
    HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + port + "/health/ready").toURL().openConnection();
    c.setConnectTimeout(5_000);
    c.setReadTimeout(5_000);
    try {
      return c.getResponseCode();
    } finally {
      c.disconnect();
    }
  }
}
