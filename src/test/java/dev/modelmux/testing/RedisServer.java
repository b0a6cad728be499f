package dev.modelmux.testing;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code redis-server} child process on a free port, with no persistence, so a test can also kill it and
 * bring it back (empty) on the same port. Use one per test class: {@code start()} in @BeforeAll, {@code stop()}
 * in @AfterAll.
 */
public final class RedisServer implements AutoCloseable {
  private final int port;
  private final String password;
  private final File log;
  private volatile Process process;
  private final Thread shutdownHook = new Thread(this::kill);

  private RedisServer(int port, String password) throws IOException {
    this.port = port;
    this.password = password;
    this.log = File.createTempFile("redis-" + port + "-", ".log");
    this.log.deleteOnExit();
  }

  public static RedisServer start() {
    return start(null);
  }

  /** A server that requires {@code password} ({@code requirepass}); {@link #url()} carries it. */
  public static RedisServer start(String password) {
    try {
      RedisServer server = new RedisServer(freePort(), password);
      server.launch();
      Runtime.getRuntime().addShutdownHook(server.shutdownHook);
      return server;
    } catch (IOException e) {
      throw new IllegalStateException("cannot start redis-server", e);
    }
  }

  public int port() {
    return port;
  }

  public URI url() {
    return URI.create("redis://" + (password == null ? "" : ":" + password + "@") + "127.0.0.1:" + port);
  }

  public boolean running() {
    Process p = process;
    return p != null && p.isAlive();
  }

  /** SIGKILL: no goodbye to clients, every key and loaded script is lost. */
  public void kill() {
    Process p = process;
    if (p == null) {
      return;
    }
    p.destroyForcibly();
    try {
      p.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    process = null;
  }

  /** SIGSTOP: the port stays open but nothing answers (a hung server); {@link #thaw()} resumes it. */
  public void freeze() {
    signal("-STOP");
  }

  public void thaw() {
    signal("-CONT");
  }

  private void signal(String sig) {
    Process p = process;
    if (p == null) {
      throw new IllegalStateException("redis-server is not running");
    }
    try {
      new ProcessBuilder("kill", sig, String.valueOf(p.pid())).inheritIO().start().waitFor(5, TimeUnit.SECONDS);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Starts a fresh (empty) server on the same port; kills the running one first if needed. */
  public void restart() {
    kill();
    try {
      launch();
    } catch (IOException e) {
      throw new IllegalStateException("cannot restart redis-server on port " + port, e);
    }
  }

  public void stop() {
    if (process != null) {
      signal("-CONT"); // a frozen server cannot be left behind
    }
    kill();
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException ignored) {
      // shutting down already
    }
  }

  @Override
  public void close() {
    stop();
  }

  /** Sends one inline command and returns the first reply line (e.g. "+PONG"). */
  public String command(String inline) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
      s.setSoTimeout(2000);
      OutputStream out = s.getOutputStream();
      String auth = password == null ? "" : "AUTH " + password + "\r\n";
      out.write((auth + inline + "\r\n").getBytes(StandardCharsets.UTF_8));
      out.flush();
      InputStream in = s.getInputStream();
      if (password != null) {
        readLine(in); // +OK
      }
      return readLine(in);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String readLine(InputStream in) throws IOException {
    {
      StringBuilder line = new StringBuilder();
      int c;
      while ((c = in.read()) >= 0 && c != '\n') {
        if (c != '\r') {
          line.append((char) c);
        }
      }
      return line.toString();
    }
  }

  private void launch() throws IOException {
    List<String> cmd = new ArrayList<>(List.of("redis-server", "--port", String.valueOf(port), "--save", "",
        "--appendonly", "no", "--bind", "127.0.0.1"));
    if (password != null) {
      cmd.addAll(List.of("--requirepass", password));
    }
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.redirectErrorStream(true);
    pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log));
    Process p = pb.start();
    process = p;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      if (!p.isAlive()) {
        throw new IOException("redis-server exited with " + p.exitValue() + " (log: " + log + ")");
      }
      try {
        if ("+PONG".equals(command("PING"))) {
          return;
        }
      } catch (IllegalStateException notYet) {
        // not listening yet
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException(e);
      }
    }
    p.destroyForcibly();
    throw new IOException("redis-server did not answer PING on port " + port + " within 10 s (log: " + log + ")");
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    }
  }
}
