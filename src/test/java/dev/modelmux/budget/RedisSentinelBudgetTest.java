package dev.modelmux.budget;

import static dev.modelmux.testing.Await.await;
import static dev.modelmux.testing.Eventually.assertEventually;
import static org.assertj.core.api.Assertions.assertThat;

import dev.modelmux.budget.ReserveResult.Granted;
import dev.modelmux.config.RedisConfig;
import dev.modelmux.testing.RedisServer;
import io.vertx.core.Vertx;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code redis: { type: sentinel }}: the store asks a real Sentinel ({@code redis-server --sentinel}) for the master
 * of {@code master_name} and leases its budgets there.
 */
class RedisSentinelBudgetTest {
  private static final long WINDOW_MS = 60_000;
  private static final String DEP = "sentinel-dep";

  private RedisServer master;
  private Process sentinel;
  private int sentinelPort;
  private File dir;
  private final Vertx vertx = Vertx.vertx();
  private RedisWindow reader;

  @BeforeEach
  void start() throws IOException, InterruptedException {
    master = RedisServer.start();
    try (ServerSocket s = new ServerSocket(0)) {
      sentinelPort = s.getLocalPort();
    }
    dir = Files.createTempDirectory("sentinel-").toFile();
    File conf = new File(dir, "sentinel.conf");
    Files.writeString(conf.toPath(), "port " + sentinelPort + "\nbind 127.0.0.1\ndir " + dir + "\n"
        + "sentinel monitor mymaster 127.0.0.1 " + master.port() + " 1\n");
    sentinel = new ProcessBuilder("redis-server", conf.getPath(), "--sentinel")
        .redirectErrorStream(true).redirectOutput(new File(dir, "sentinel.log")).start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!answers(sentinelPort) && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
  }

  @AfterEach
  void stop() throws InterruptedException {
    if (reader != null) {
      await(reader.close());
    }
    await(vertx.close());
    sentinel.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    master.stop();
    File[] files = dir.listFiles();
    for (File f : files == null ? new File[0] : files) {
      f.delete();
    }
    dir.delete();
  }

  private static boolean answers(int port) {
    try (Socket s = new Socket("127.0.0.1", port)) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  @Test
  void budgetsLiveOnTheMasterTheSentinelNames() {
    RedisConfig config = new RedisConfig(RedisConfig.Type.SENTINEL, List.of(URI.create("redis://127.0.0.1:" + sentinelPort)),
        "mymaster", 500, 2_000, OptionalDouble.empty(), 3, RedisConfig.OnUnavailable.LOCAL_SHARE);
    LeasedBudgetStore store = (LeasedBudgetStore) await(BudgetStores.create(vertx, Optional.of(config), WINDOW_MS));
    assertThat(store.mode()).isEqualTo("redis");
    BudgetLimits limits = new BudgetLimits(1000, 40);

    Granted g = (Granted) await(store.reserve(DEP, limits, 300));
    assertThat(g.reservation().local()).isFalse();
    String tag = "mm:{" + DEP + "}";
    assertThat(master.command("HEXISTS " + tag + ":leases " + g.reservation().id())).as("the lease, on the master").isEqualTo(":1");
    assertThat(master.command("EXISTS " + tag + ":w")).as("the window, on the master").isEqualTo(":1");

    await(store.settle(g.reservation(), 100));
    // Redis counts the whole lease as used; this replica sees what it holds unspent as free.
    assertEventually(() -> assertThat(await(store.headroom(DEP, limits)).tokensUsed()).isEqualTo(100));
    assertThat(store.failures()).isZero();

    await(store.close()); // closes the lease at what was spent: the rest goes back
    reader = new RedisWindow(vertx, config, WINDOW_MS);
    await(reader.start());
    Headroom shared = await(reader.headroom(DEP, limits));
    assertThat(shared.tokensUsed()).as("tokens in the master's window").isEqualTo(100);
    assertThat(shared.requestsUsed()).as("requests in the master's window").isEqualTo(1);
  }
}
