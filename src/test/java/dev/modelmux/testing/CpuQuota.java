package dev.modelmux.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A fresh cgroup with a CPU quota (so much CPU time per 100 ms period) holding one running process and all its threads,
 * as a pod with a CPU limit runs. cgroup v1 ({@code cpu.cfs_quota_us} / {@code cpu.cfs_period_us}) or v2
 * ({@code cpu.max}), whichever hierarchy has the cpu controller. {@link #close()} moves the process back to the cgroup it
 * came from (if it still runs) and removes the cgroup. Needs root; a test checks {@link #available()} first.
 */
public final class CpuQuota implements AutoCloseable {
  public static final long PERIOD_US = 100_000;
  private static final AtomicInteger SEQUENCE = new AtomicInteger();

  /** Where the cpu controller is mounted, and which cgroup version that hierarchy is. */
  private record Hierarchy(Path root, boolean v2) {}

  private static volatile Optional<String> unavailable;

  private final Hierarchy hierarchy;
  private final Path dir;
  private final long pid;
  private final Path origin;

  private CpuQuota(Hierarchy hierarchy, Path dir, long pid, Path origin) {
    this.hierarchy = hierarchy;
    this.dir = dir;
    this.pid = pid;
    this.origin = origin;
  }

  /** Whether a cgroup with a CPU quota can be created here (tried once, with a probe cgroup). */
  public static boolean available() {
    return unavailableReason().isEmpty();
  }

  /** Why no quota can be applied here, for a skipped test's message; empty when {@link #available()}. */
  public static synchronized Optional<String> unavailableReason() {
    if (unavailable == null) {
      unavailable = probe();
    }
    return unavailable;
  }

  private static Optional<String> probe() {
    Optional<Hierarchy> hierarchy;
    try {
      hierarchy = cpuHierarchy();
    } catch (IOException | UncheckedIOException e) {
      return Optional.of("cannot read /proc/self/mountinfo: " + e);
    }
    if (hierarchy.isEmpty()) {
      return Optional.of("no cgroup hierarchy with the cpu controller is mounted");
    }
    Path dir = null;
    try {
      dir = create(hierarchy.get(), PERIOD_US);
      return Optional.empty();
    } catch (IOException | UncheckedIOException e) {
      return Optional.of("cannot create a cgroup with a CPU quota under " + hierarchy.get().root() + ": " + e);
    } finally {
      if (dir != null) {
        try {
          Files.delete(dir);
        } catch (IOException ignored) {
          // the probe cgroup is empty; nothing else to do
        }
      }
    }
  }

  /**
   * Creates a cgroup allowing {@code quotaUs} of CPU time per 100 ms period and moves {@code pid} (its whole thread
   * group) into it.
   */
  public static CpuQuota confine(long pid, long quotaUs) {
    String why = unavailableReason().orElse(null);
    if (why != null) {
      throw new IllegalStateException(why);
    }
    try {
      Hierarchy hierarchy = cpuHierarchy().orElseThrow();
      Path origin = currentCgroup(hierarchy, pid);
      Path dir = create(hierarchy, quotaUs);
      CpuQuota quota = new CpuQuota(hierarchy, dir, pid, origin);
      try {
        write(dir.resolve("cgroup.procs"), String.valueOf(pid));
      } catch (IOException e) {
        quota.close();
        throw e;
      }
      return quota;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot confine process " + pid + " to a CPU quota of " + quotaUs + " us per "
          + PERIOD_US + " us", e);
    }
  }

  /** The cgroup's directory. */
  public Path path() {
    return dir;
  }

  /** The cgroup's {@code cpu.stat} (periods, throttled periods, throttled time): evidence the quota bit. */
  public Map<String, Long> stat() {
    Map<String, Long> stat = new LinkedHashMap<>();
    try {
      for (String line : Files.readAllLines(dir.resolve("cpu.stat"))) {
        String[] kv = line.trim().split("\\s+");
        if (kv.length == 2) {
          stat.put(kv[0], Long.parseLong(kv[1]));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return stat;
  }

  /** How many periods the cgroup's processes were throttled in (v1 and v2 both call it {@code nr_throttled}). */
  public long throttledPeriods() {
    return stat().getOrDefault("nr_throttled", 0L);
  }

  /** Moves the process back where it came from if it still runs, then removes the cgroup. */
  @Override
  public void close() {
    if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
      try {
        write(origin.resolve("cgroup.procs"), String.valueOf(pid));
      } catch (IOException exitedMeanwhile) {
        // ESRCH: it ended between the check and the write; the cgroup empties as it exits
      }
    }
    // An exiting process leaves its cgroup a moment after its parent sees it gone.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      try {
        Files.deleteIfExists(dir);
        return;
      } catch (IOException busy) {
        if (System.nanoTime() > deadline) {
          throw new UncheckedIOException("cannot remove cgroup " + dir + " (process " + pid + " still in it?)", busy);
        }
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
      }
    }
  }

  private static Path create(Hierarchy hierarchy, long quotaUs) throws IOException {
    if (hierarchy.v2()) {
      enableCpuForChildren(hierarchy.root());
    }
    Path dir = hierarchy.root().resolve("modelmux-test-" + ProcessHandle.current().pid() + "-" + SEQUENCE.incrementAndGet());
    Files.createDirectory(dir);
    try {
      if (hierarchy.v2()) {
        write(dir.resolve("cpu.max"), quotaUs + " " + PERIOD_US);
      } else {
        write(dir.resolve("cpu.cfs_period_us"), String.valueOf(PERIOD_US));
        write(dir.resolve("cpu.cfs_quota_us"), String.valueOf(quotaUs));
      }
      return dir;
    } catch (IOException e) {
      Files.deleteIfExists(dir);
      throw e;
    }
  }

  /** cgroup v2 hands a controller to child cgroups only when the parent's subtree_control names it. */
  private static void enableCpuForChildren(Path root) throws IOException {
    if (!List.of(Files.readString(root.resolve("cgroup.subtree_control")).trim().split("\\s+")).contains("cpu")) {
      write(root.resolve("cgroup.subtree_control"), "+cpu");
    }
  }

  /**
   * The hierarchy the cpu controller is attached to: a v1 mount whose options name {@code cpu}, else the v2 mount when
   * its {@code cgroup.controllers} lists {@code cpu} (a controller lives in one hierarchy at a time).
   */
  private static Optional<Hierarchy> cpuHierarchy() throws IOException {
    Hierarchy v2 = null;
    for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
      // id parent major:minor root mount-point options [optional...] - fstype source super-options
      String[] halves = line.split(" - ", 2);
      if (halves.length != 2) {
        continue;
      }
      String[] left = halves[0].split(" ");
      String[] right = halves[1].split(" ");
      if (left.length < 5 || right.length < 3) {
        continue;
      }
      Path mount = Path.of(left[4]);
      if (right[0].equals("cgroup") && List.of(right[2].split(",")).contains("cpu")) {
        return Optional.of(new Hierarchy(mount, false));
      }
      if (right[0].equals("cgroup2") && Files.isReadable(mount.resolve("cgroup.controllers"))
          && List.of(Files.readString(mount.resolve("cgroup.controllers")).trim().split("\\s+")).contains("cpu")) {
        v2 = new Hierarchy(mount, true);
      }
    }
    return Optional.ofNullable(v2);
  }

  /** The cgroup {@code pid} is in now within {@code hierarchy}, from {@code /proc/<pid>/cgroup}; the root if unknown. */
  private static Path currentCgroup(Hierarchy hierarchy, long pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "cgroup"))) {
      String[] parts = line.split(":", 3); // hierarchy-id:controllers:path
      if (parts.length < 3) {
        continue;
      }
      boolean matches = hierarchy.v2() ? parts[0].equals("0") && parts[1].isEmpty()
          : List.of(parts[1].split(",")).contains("cpu");
      if (matches) {
        Path inside = hierarchy.root().resolve(parts[2].replaceFirst("^/", ""));
        return Files.isDirectory(inside) ? inside : hierarchy.root();
      }
    }
    return hierarchy.root();
  }

  private static void write(Path file, String value) throws IOException {
    Files.write(file, value.getBytes(StandardCharsets.US_ASCII));
  }
}
