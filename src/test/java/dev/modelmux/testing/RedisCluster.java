package dev.modelmux.testing;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * A real local Redis Cluster: three {@code redis-server --cluster-enabled yes} masters (and, on request, replicas of
 * each, so a failover can be staged) on free ports, started and stopped by {@code scripts/lib/redis-cluster.sh}, the
 * one way the tests and the benchmarks start a cluster. No persistence: the nodes share a temporary {@code --dir}
 * (their {@code nodes-PORT.conf}, logs and PIDs), deleted by {@link #stop()}, which also runs as a shutdown hook. A
 * short {@code cluster-node-timeout} (1 s) lets a replica take over a killed master within a few seconds.
 *
 * <p>Use one per test class: {@link #start(int)} in @BeforeAll, {@link #stop()} in @AfterAll. Every question about the
 * topology ({@link #masterFor}, {@link #replicaOf}, {@link #endpoints}) is asked of a running node at the time of the
 * call, so the answers follow a failover. Commands are sent with a minimal RESP client ({@link #command}).
 */
public final class RedisCluster implements AutoCloseable {
  public static final int MASTERS = 3;
  private static final long NODE_TIMEOUT_MS = 1_000;
  /** How long a cluster may take to form, or to heal after a failover. */
  private static final long SETTLE_TIMEOUT_MS = 30_000;
  private static final Path SCRIPT = Path.of("scripts/lib/redis-cluster.sh");

  /** An error reply ({@code MOVED 1234 127.0.0.1:7001}, {@code CLUSTERDOWN ...}), without its leading dash. */
  public record Error(String message) {}

  /** One line of {@code CLUSTER NODES}: flags such as myself, master, slave, fail, fail?; slots as [from, to]. */
  public record NodeInfo(String id, int port, Set<String> flags, String masterId, List<int[]> slots) {
    public boolean master() {
      return flags.contains("master");
    }

    public boolean failed() {
      return flags.contains("fail") || flags.contains("fail?");
    }

    public boolean owns(int slot) {
      return slots.stream().anyMatch(r -> r[0] <= slot && slot <= r[1]);
    }
  }

  /** A node the script started: not this JVM's child, so it is known by its PID. */
  private static final class Node {
    final int port;
    final int busPort;
    volatile ProcessHandle process;

    Node(int port, int busPort) {
      this.port = port;
      this.busPort = busPort;
    }

    boolean running() {
      ProcessHandle p = process;
      return p != null && p.isAlive();
    }
  }

  private final Map<Integer, Node> nodes = new TreeMap<>();
  private final int replicasPerMaster;
  private final Path dir;
  private final Thread shutdownHook = new Thread(this::destroy);

  private RedisCluster(int replicasPerMaster, Path dir) {
    this.replicasPerMaster = replicasPerMaster;
    this.dir = dir;
  }

  /**
   * Starts {@value #MASTERS} masters with {@code replicasPerMaster} replicas each and returns once every node says
   * {@code cluster_state:ok}, every node agrees which master owns which slots, and every replica is in sync.
   */
  public static RedisCluster start(int replicasPerMaster) {
    if (replicasPerMaster < 0) {
      throw new IllegalArgumentException("replicasPerMaster must be >= 0, got " + replicasPerMaster);
    }
    RedisCluster cluster;
    try {
      cluster = new RedisCluster(replicasPerMaster, Files.createTempDirectory("redis-cluster-"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Runtime.getRuntime().addShutdownHook(cluster.shutdownHook);
    try {
      cluster.launch(MASTERS * (1 + replicasPerMaster));
      cluster.awaitHealthy("the new cluster to form");
      return cluster;
    } catch (IOException | RuntimeException e) {
      String logs = cluster.logTails();
      cluster.stop();
      throw new IllegalStateException("cannot start a Redis Cluster: " + e.getMessage() + logs, e);
    }
  }

  // --- topology ---

  /** {@code redis://127.0.0.1:port} of every running master that owns slots, by port. */
  public List<URI> endpoints() {
    return masters().stream().map(p -> URI.create("redis://127.0.0.1:" + p)).toList();
  }

  /** Ports of the running masters that own slots, in order. */
  public List<Integer> masters() {
    return view().stream()
        .filter(n -> n.master() && !n.failed() && !n.slots().isEmpty() && running(n.port()))
        .map(NodeInfo::port).sorted().toList();
  }

  /** Every node's port, running or not. */
  public List<Integer> ports() {
    return List.copyOf(nodes.keySet());
  }

  /** {@code CLUSTER KEYSLOT key}, asked of a running node. */
  public int keySlot(String key) {
    Object reply = command(anyRunning(), "CLUSTER", "KEYSLOT", key);
    if (!(reply instanceof Long slot)) {
      throw new IllegalStateException("CLUSTER KEYSLOT " + key + " answered " + reply);
    }
    return slot.intValue();
  }

  /** The port of the master that owns {@code key}'s slot now (as a running node sees the cluster). */
  public int masterFor(String key) {
    int slot = keySlot(key);
    return view().stream().filter(n -> n.master() && !n.failed() && n.owns(slot)).findFirst()
        .orElseThrow(() -> new IllegalStateException("no live master owns slot " + slot + " of " + key)).port();
  }

  /** The port of a live replica of the master on {@code masterPort}. */
  public int replicaOf(int masterPort) {
    List<NodeInfo> view = view();
    NodeInfo master = view.stream().filter(n -> n.port() == masterPort).findFirst()
        .orElseThrow(() -> new IllegalStateException("no node on port " + masterPort));
    return view.stream().filter(n -> !n.master() && !n.failed() && master.id().equals(n.masterId()) && running(n.port()))
        .findFirst().orElseThrow(() -> new IllegalStateException("the master on " + masterPort + " has no live replica"))
        .port();
  }

  /** {@code CLUSTER NODES} as the node on {@code port} sees the cluster. */
  public List<NodeInfo> view(int port) {
    Object reply = command(port, "CLUSTER", "NODES");
    if (!(reply instanceof String text)) {
      throw new IllegalStateException("CLUSTER NODES on " + port + " answered " + reply);
    }
    List<NodeInfo> out = new ArrayList<>();
    for (String line : text.split("\n")) {
      if (!line.isBlank()) {
        out.add(parseNode(line.trim()));
      }
    }
    return out;
  }

  private List<NodeInfo> view() {
    return view(anyRunning());
  }

  // --- faults ---

  /** SIGKILL of one node: no goodbye to clients or to the cluster bus; the other nodes find out by timeout. */
  public void kill(int port) {
    Node n = node(port);
    ProcessHandle p = n.process;
    if (p == null) {
      return;
    }
    p.destroyForcibly();
    awaitExit(p);
    n.process = null;
  }

  /**
   * A manual failover: {@code CLUSTER FAILOVER} on the replica (its master must be alive), then waits until the
   * replica is a master and the cluster is healthy again.
   */
  public void failover(int replicaPort) {
    Object reply = command(replicaPort, "CLUSTER", "FAILOVER");
    if (!"OK".equals(reply)) {
      throw new IllegalStateException("CLUSTER FAILOVER on " + replicaPort + " answered " + reply);
    }
    awaitPromotion(replicaPort);
  }

  /**
   * Kills the master that owns {@code key}'s slot and waits until its replica has been promoted (by the cluster's own
   * failure detection and election, no manual failover) and every running node says {@code cluster_state:ok} again.
   *
   * @return the port of the new master
   */
  public int killMasterAndWaitForPromotion(String key) {
    int master = masterFor(key);
    int replica = replicaOf(master);
    kill(master);
    awaitPromotion(replica);
    return replica;
  }

  private void awaitPromotion(int replicaPort) {
    waitFor("the replica on " + replicaPort + " to become a master",
        () -> selfView(replicaPort).map(n -> n.master() && !n.slots().isEmpty()).orElse(false));
    awaitHealthy("the cluster to heal after the failover to " + replicaPort);
  }

  private Optional<NodeInfo> selfView(int port) {
    try {
      return view(port).stream().filter(n -> n.flags().contains("myself")).findFirst();
    } catch (IllegalStateException notAnswering) {
      return Optional.empty();
    }
  }

  // --- lifecycle ---

  /** Kills every node and deletes their directories. */
  public void stop() {
    destroy();
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

  /** Stops every node with the script, then deletes the directory with the logs. */
  private void destroy() {
    try {
      run("stop", dir.toString());
    } catch (IOException e) {
      for (Node n : nodes.values()) {
        ProcessHandle p = n.process;
        if (p != null) {
          p.destroyForcibly();
          awaitExit(p);
        }
      }
    }
    for (Node n : nodes.values()) {
      n.process = null;
    }
    deleteTree(dir);
  }

  /** Waits up to 10 s: a node is not this JVM's child, so its end is seen once it has been reaped. */
  private static void awaitExit(ProcessHandle p) {
    try {
      p.onExit().get(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException ignored) {
      // gone or going: its port is no longer asked
    }
  }

  private static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // best effort: a temp dir
    }
  }

  /**
   * Starts {@code count} nodes with the script, each on a free port with its cluster bus on a free port of its own
   * ({@code PORT@BUS_PORT}) rather than port + 10000, which may be taken; the script returns once the cluster has
   * formed. The nodes are then known by the PIDs it wrote.
   */
  private void launch(int count) throws IOException {
    List<Integer> ports = freePorts(2 * count);
    List<String> args = new ArrayList<>(List.of("start", dir.toString(),
        "--replicas", String.valueOf(replicasPerMaster), "--node-timeout", String.valueOf(NODE_TIMEOUT_MS)));
    for (int i = 0; i < count; i++) {
      Node n = new Node(ports.get(2 * i), ports.get(2 * i + 1));
      nodes.put(n.port, n);
      args.add(n.port + "@" + n.busPort);
    }
    run(args.toArray(String[]::new));
    for (Node n : nodes.values()) {
      long pid = Long.parseLong(Files.readString(dir.resolve("redis-" + n.port + ".pid")).trim());
      n.process = ProcessHandle.of(pid)
          .orElseThrow(() -> new IOException("redis-server on " + n.port + " (pid " + pid + ") has exited"));
    }
  }

  /** Runs {@code scripts/lib/redis-cluster.sh ARGS} from the project's root; its output is in the exception. */
  private static void run(String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of("bash", SCRIPT.toString()));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String output;
    try (InputStream in = p.getInputStream()) {
      output = new String(in.readAllBytes(), StandardCharsets.UTF_8); // ends when the script exits
    }
    try {
      if (!p.waitFor(SETTLE_TIMEOUT_MS * 3, TimeUnit.MILLISECONDS) || p.exitValue() != 0) {
        p.destroyForcibly();
        throw new IOException(String.join(" ", cmd) + " failed:\n" + output);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }

  /**
   * Healthy: every running node says {@code cluster_state:ok}, sees {@value #MASTERS} running masters own all 16384
   * slots and agrees with every other running node about which owns which, and every running replica's link to its
   * master is up.
   */
  private void awaitHealthy(String what) {
    waitFor(what, () -> {
      Map<Integer, String> agreed = null;
      for (Node n : nodes.values()) {
        if (!n.running()) {
          continue;
        }
        try {
          if (!String.valueOf(command(n.port, "CLUSTER", "INFO")).contains("cluster_state:ok")) {
            return false;
          }
          List<NodeInfo> view = view(n.port);
          Map<Integer, String> owners = new TreeMap<>();
          int covered = 0;
          for (NodeInfo i : view) {
            if (i.master() && !i.failed() && !i.slots().isEmpty()) {
              if (!running(i.port())) {
                return false; // still believes a dead master owns slots
              }
              owners.put(i.port(), i.slots().stream().map(r -> r[0] + "-" + r[1]).toList().toString());
              covered += i.slots().stream().mapToInt(r -> r[1] - r[0] + 1).sum();
            }
          }
          if (covered != 16384 || owners.size() != MASTERS || (agreed != null && !agreed.equals(owners))) {
            return false;
          }
          agreed = owners;
          NodeInfo self = view.stream().filter(i -> i.flags().contains("myself")).findFirst().orElseThrow();
          if (!self.master() && !String.valueOf(command(n.port, "INFO", "replication")).contains("master_link_status:up")) {
            return false;
          }
        } catch (IllegalStateException notAnswering) {
          return false;
        }
      }
      return agreed != null;
    });
  }

  /** {@code <id> <ip:port@cport[,hostname]> <flags> <master> <ping-sent> <pong-recv> <epoch> <link> <slot>...} */
  private static NodeInfo parseNode(String line) {
    String[] f = line.split(" ");
    String address = f[1];
    int at = address.indexOf('@');
    int port = Integer.parseInt(address.substring(address.lastIndexOf(':', at) + 1, at));
    List<int[]> slots = new ArrayList<>();
    for (int i = 8; i < f.length; i++) {
      String s = f[i];
      if (s.startsWith("[")) {
        continue; // a slot being migrated or imported
      }
      int dash = s.indexOf('-');
      slots.add(dash < 0 ? new int[] {Integer.parseInt(s), Integer.parseInt(s)}
          : new int[] {Integer.parseInt(s.substring(0, dash)), Integer.parseInt(s.substring(dash + 1))});
    }
    return new NodeInfo(f[0], port, Set.of(f[2].split(",")), f[3], slots);
  }

  private Node node(int port) {
    Node n = nodes.get(port);
    if (n == null) {
      throw new IllegalArgumentException("no node of this cluster on port " + port);
    }
    return n;
  }

  private boolean running(int port) {
    Node n = nodes.get(port);
    return n != null && n.running();
  }

  private int anyRunning() {
    return nodes.values().stream().filter(Node::running).findFirst()
        .orElseThrow(() -> new IllegalStateException("no node of the cluster is running")).port;
  }

  /** Polls every 20 ms until {@code done} or {@link #SETTLE_TIMEOUT_MS}. */
  private static void waitFor(String what, BooleanSupplier done) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(SETTLE_TIMEOUT_MS);
    while (!done.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("timed out after " + SETTLE_TIMEOUT_MS + " ms waiting for " + what);
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted waiting for " + what, e);
      }
    }
  }

  private String logTails() {
    StringBuilder out = new StringBuilder();
    for (Node n : nodes.values()) {
      try {
        List<String> lines = Files.readAllLines(dir.resolve("redis-" + n.port + ".log"));
        out.append("\n--- node ").append(n.port).append(" ---\n")
            .append(String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size())));
      } catch (IOException ignored) {
        // no log
      }
    }
    return out.toString();
  }

  // --- a minimal RESP client ---

  /**
   * Sends one command to the node on {@code port} and returns its reply: a String (simple or bulk), a Long, a List of
   * replies, null (nil) or an {@link Error}. Throws IllegalStateException when the node does not answer within 2 s.
   */
  public Object command(int port, String... args) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
      s.setSoTimeout(2000);
      StringBuilder req = new StringBuilder("*").append(args.length).append("\r\n");
      for (String a : args) {
        req.append('$').append(a.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(a).append("\r\n");
      }
      OutputStream out = s.getOutputStream();
      out.write(req.toString().getBytes(StandardCharsets.UTF_8));
      out.flush();
      return read(new BufferedInputStream(s.getInputStream()));
    } catch (IOException e) {
      throw new IllegalStateException("node on " + port + ": " + e, e);
    }
  }

  private static Object read(InputStream in) throws IOException {
    int type = in.read();
    String line = line(in);
    switch (type) {
      case '+':
        return line;
      case '-':
        return new Error(line);
      case ':':
        return Long.parseLong(line);
      case '$': {
        int len = Integer.parseInt(line);
        if (len < 0) {
          return null;
        }
        byte[] data = in.readNBytes(len);
        line(in); // CRLF
        return new String(data, StandardCharsets.UTF_8);
      }
      case '*': {
        int len = Integer.parseInt(line);
        if (len < 0) {
          return null;
        }
        List<Object> items = new ArrayList<>(len);
        for (int i = 0; i < len; i++) {
          items.add(read(in));
        }
        return items;
      }
      default:
        throw new IOException("unexpected RESP type " + type + " (" + line + ")");
    }
  }

  private static String line(InputStream in) throws IOException {
    StringBuilder line = new StringBuilder();
    int c;
    while ((c = in.read()) >= 0 && c != '\n') {
      if (c != '\r') {
        line.append((char) c);
      }
    }
    if (c < 0) {
      throw new IOException("connection closed mid-reply");
    }
    return line.toString();
  }

  /** Distinct free ports (all held open at once, so none repeats), for the nodes and their cluster buses. */
  private static List<Integer> freePorts(int count) throws IOException {
    List<ServerSocket> held = new ArrayList<>();
    try {
      while (held.size() < count) {
        ServerSocket s = new ServerSocket(0);
        s.setReuseAddress(true);
        held.add(s);
      }
      return held.stream().map(ServerSocket::getLocalPort).toList();
    } finally {
      for (ServerSocket s : held) {
        s.close();
      }
    }
  }
}
