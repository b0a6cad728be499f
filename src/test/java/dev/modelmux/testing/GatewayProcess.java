package dev.modelmux.testing;

import java.io.File;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A gateway replica in a JVM of its own ({@code modelmux serve}, on the test classpath), so a test can SIGKILL it (no
 * goodbye to Redis, every reservation it holds left unsettled) or SIGTERM it (a graceful drain).
 */
public final class GatewayProcess implements AutoCloseable {
  private final Process process;
  private final int port;
  private final File log;

  private GatewayProcess(Process process, int port, File log) {
    this.process = process;
    this.port = port;
    this.log = log;
  }

  /**
   * The JVM flags the docs give for a small replica (scripts/demo.sh): a test whose point is memory runs with these, so a
   * blow-up is a dead process, not a slow test.
   */
  public static final List<String> DOCS_JVM_FLAGS = List.of("-XX:+UseSerialGC", "-Xms64m", "-Xmx320m", "-Xmn32m",
      "-XX:MaxDirectMemorySize=64m", "-Xss512k", "-XX:+ExitOnOutOfMemoryError");

  /** Starts {@code serve} with {@code yaml} (the keys of {@link GatewayFixture#KEYS} in its environment) and waits for readiness. */
  public static GatewayProcess start(String yaml) {
    return start(yaml, List.of("-Xmx256m"));
  }

  /** As {@link #start(String)}, in a JVM started with {@code jvmFlags}. */
  public static GatewayProcess start(String yaml, List<String> jvmFlags) {
    try {
      int port;
      try (ServerSocket s = new ServerSocket(0)) {
        port = s.getLocalPort();
      }
      File config = File.createTempFile("modelmux-replica-", ".yaml");
      config.deleteOnExit();
      Files.writeString(config.toPath(), yaml, StandardCharsets.UTF_8);
      File log = File.createTempFile("modelmux-replica-", ".log");
      log.deleteOnExit();
      String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
      List<String> command = new ArrayList<>(List.of(java));
      command.addAll(jvmFlags);
      command.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.modelmux.Main", "serve", "--config", config.getPath(),
          "--port", String.valueOf(port)));
      ProcessBuilder pb = new ProcessBuilder(command);
      Map<String, String> env = pb.environment();
      env.putAll(GatewayFixture.KEYS);
      pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log));
      GatewayProcess replica = new GatewayProcess(pb.start(), port, log);
      replica.awaitReady();
      return replica;
    } catch (IOException e) {
      throw new IllegalStateException("cannot start a gateway replica", e);
    }
  }

  public int port() {
    return port;
  }

  /** The replica's process id (to signal it, or to move it into a cgroup). */
  public long pid() {
    return process.pid();
  }

  /** SIGTERM: the replica drains, then exits on its own. */
  public void terminate() {
    process.destroy();
  }

  /** Sends the replica a signal by name ({@code INT}, {@code TERM}), as {@code kill -NAME pid} does. */
  public void signal(String name) {
    try {
      int status = new ProcessBuilder("kill", "-" + name, String.valueOf(process.pid())).inheritIO().start().waitFor();
      if (status != 0) {
        throw new IllegalStateException("kill -" + name + " exited with " + status);
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot signal the replica", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Waits up to {@code timeoutMs} for the replica to exit; its exit status, or null if it still runs. */
  public Integer awaitExit(long timeoutMs) throws InterruptedException {
    return process.waitFor(timeoutMs, TimeUnit.MILLISECONDS) ? process.exitValue() : null;
  }

  /** Everything the replica wrote to stdout and stderr so far. */
  public String output() {
    try {
      return Files.readString(log.toPath());
    } catch (IOException e) {
      return "(no output: " + e + ")";
    }
  }

  /** Whether the replica's process still runs. */
  public boolean alive() {
    return process.isAlive();
  }

  /** SIGKILL. */
  public void kill() {
    process.destroyForcibly();
    try {
      process.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    kill();
  }

  /**
   * A JVM starting beside others on two busy cores (load average near 20 seen in the suite) took over 60 s to be ready;
   * only a replica that hangs takes {@value #READY_BOUND_S} s.
   */
  private static final long READY_BOUND_S = 180;

  private void awaitReady() throws IOException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(READY_BOUND_S);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException("the replica exited with " + process.exitValue() + ": " + Files.readString(log.toPath()));
      }
      try {
        HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + port + "/health/ready").toURL().openConnection();
        c.setConnectTimeout(200);
        c.setReadTimeout(1000);
        if (c.getResponseCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException(e);
      }
    }
    kill();
    throw new IOException("the replica did not get ready within " + READY_BOUND_S + " s: " + Files.readString(log.toPath()));
  }
}
