package dev.modelmux.testing;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real PostgreSQL server from Debian's packages ({@code /usr/lib/postgresql/<version>/bin}), run as a non-root user
 * with a data directory of its own on a free port, so a test can stop it and start it again. Run as root (a fresh CI
 * machine), the server runs as the {@code postgres} user the package creates. Authentication is {@code trust}:
 * it listens on 127.0.0.1 only and lives as long as the test.
 */
public final class PostgresServer implements AutoCloseable {
  public static final String USER = "modelmux";
  public static final String DATABASE = "postgres";

  private final Path bin;
  private final Path dataDir;
  private final int port;
  private final boolean asRoot;
  private final File log;
  private volatile Process process;
  private final Thread shutdownHook = new Thread(this::kill);

  private PostgresServer(Path bin, Path dataDir, int port, boolean asRoot) throws IOException {
    this.bin = bin;
    this.dataDir = dataDir;
    this.port = port;
    this.asRoot = asRoot;
    this.log = File.createTempFile("postgres-" + port + "-", ".log");
    this.log.deleteOnExit();
  }

  public static PostgresServer start() {
    try {
      Path bin = binaries();
      boolean asRoot = "root".equals(System.getProperty("user.name"));
      Path dataDir = Files.createTempDirectory("modelmux-pg-");
      if (asRoot) {
        run(List.of("chown", "postgres:postgres", dataDir.toString()), false);
        dataDir.toFile().setWritable(true, false);
      }
      PostgresServer server = new PostgresServer(bin, dataDir, freePort(), asRoot);
      server.run(List.of(bin.resolve("initdb").toString(), "-D", dataDir.resolve("data").toString(), "-U", USER, "--auth=trust",
          "--no-sync", "-E", "UTF8"));
      server.launch();
      Runtime.getRuntime().addShutdownHook(server.shutdownHook);
      return server;
    } catch (IOException e) {
      throw new IllegalStateException("cannot start PostgreSQL", e);
    }
  }

  public int port() {
    return port;
  }

  /** The URL the gateway's {@code interactions.url} takes. */
  public String url() {
    return "postgresql://" + USER + "@127.0.0.1:" + port + "/" + DATABASE;
  }

  /** Starts it again (same data) after {@link #kill()}. */
  public void launch() throws IOException {
    List<String> command = asUser(List.of(bin.resolve("postgres").toString(), "-D", dataDir.resolve("data").toString(), "-p",
        Integer.toString(port), "-k", dataDir.toString(), "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"));
    process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log)).start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException("postgres exited at start: " + Files.readString(log.toPath()));
      }
      if (accepts()) {
        return;
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException(e);
      }
    }
    throw new IOException("postgres did not accept connections within 30 s: " + Files.readString(log.toPath()));
  }

  private boolean accepts() {
    // The port opens before the server accepts logins; pg_isready tells the two apart.
    try {
      Process ready = new ProcessBuilder(bin.resolve("pg_isready").toString(), "-h", "127.0.0.1", "-p", Integer.toString(port), "-U",
          USER, "-d", DATABASE, "-q")
          .start();
      return ready.waitFor(5, TimeUnit.SECONDS) && ready.exitValue() == 0;
    } catch (IOException e) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return true;
      } catch (IOException closed) {
        return false;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** SIGSTOP to the server and its children: connections stay open and nothing answers (a hung database). */
  public void freeze() {
    signal("STOP");
  }

  /** SIGCONT: the frozen server carries on. */
  public void thaw() {
    signal("CONT");
  }

  /** The server and its children (whose command lines no longer name the data directory). */
  private void signal(String name) {
    Process p = process;
    if (p == null) {
      return;
    }
    p.descendants().forEach(h -> {
      try {
        new ProcessBuilder("kill", "-" + name, Long.toString(h.pid())).start().waitFor(5, TimeUnit.SECONDS);
      } catch (IOException e) {
        throw new IllegalStateException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
  }

  /** SIGKILL: open connections break, the next start recovers from the WAL. */
  public void kill() {
    Process p = process;
    if (p == null) {
      return;
    }
    // The server and its children (run through runuser, the server is not the direct child): kill them all, then wait.
    String data = dataDir.resolve("data").toString();
    List<ProcessHandle> all = new ArrayList<>(p.descendants().toList());
    ProcessHandle.allProcesses().filter(h -> h.info().commandLine().map(c -> c.contains(data)).orElse(false)).forEach(all::add);
    all.add(p.toHandle());
    all.forEach(ProcessHandle::destroyForcibly);
    for (ProcessHandle h : all) {
      try {
        h.onExit().get(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        throw new IllegalStateException("postgres process " + h.pid() + " did not exit", e);
      }
    }
    process = null;
    try {
      Files.deleteIfExists(dataDir.resolve("data").resolve("postmaster.pid"));
      Files.deleteIfExists(dataDir.resolve(".s.PGSQL." + port + ".lock"));
    } catch (IOException ignored) {
      // the next start reports it
    }
  }

  @Override
  public void close() {
    kill();
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException shuttingDown) {
      // already running the hook
    }
    try (var files = Files.walk(dataDir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // a temp dir
    }
  }

  private List<String> asUser(List<String> command) {
    if (!asRoot) {
      return command;
    }
    List<String> wrapped = new ArrayList<>(Arrays.asList("runuser", "-u", "postgres", "--"));
    wrapped.addAll(command);
    return wrapped;
  }

  private void run(List<String> command) throws IOException {
    run(asUser(command), true);
  }

  private static void run(List<String> command, boolean check) throws IOException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes());
    try {
      if (!p.waitFor(60, TimeUnit.SECONDS) || check && p.exitValue() != 0) {
        throw new IOException(String.join(" ", command) + " failed: " + output);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }

  private static Path binaries() throws IOException {
    Path root = Path.of("/usr/lib/postgresql");
    if (!Files.isDirectory(root)) {
      throw new IOException("PostgreSQL is not installed (apt-get install postgresql); scripts/test.sh installs it");
    }
    try (var versions = Files.list(root)) {
      return versions.filter(p -> Files.isExecutable(p.resolve("bin/postgres")))
          .max(Comparator.comparingInt(p -> Integer.parseInt(p.getFileName().toString().replaceAll("\\D", "0"))))
          .map(p -> p.resolve("bin")).orElseThrow(() -> new IOException("no PostgreSQL server binaries under " + root));
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    }
  }
}
