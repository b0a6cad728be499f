package dev.modelmux.budget;

import static dev.modelmux.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.modelmux.budget.ReserveResult.Granted;
import dev.modelmux.config.RedisConfig;
import dev.modelmux.testing.RedisServer;
import io.vertx.core.Vertx;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.util.List;
import java.util.OptionalDouble;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code redis: { type: sentinel }}: the store asks a real Sentinel ({@code redis-server --sentinel}) for the master
 * of {@code master_name} and keeps its budgets there.
 */
class RedisSentinelBudgetTest {
  private RedisServer master;
  private Process sentinel;
  private int sentinelPort;
  private File dir;
  private final Vertx vertx = Vertx.vertx();
  private FailoverBudgetStore store;

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
    if (store != null) {
      await(store.close());
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
    try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  @Test
  void budgetsLiveOnTheMasterTheSentinelNames() {
    RedisConfig config = new RedisConfig(RedisConfig.Type.SENTINEL, List.of(URI.create("redis://127.0.0.1:" + sentinelPort)),
        "mymaster", 500, 2_000, OptionalDouble.empty(), 3, RedisConfig.OnUnavailable.LOCAL_SHARE);
    store = await(FailoverBudgetStore.start(vertx, config, 60_000));
    assertThat(store.mode()).isEqualTo("redis");
    BudgetLimits limits = new BudgetLimits(1000, 40);
    Granted g = (Granted) await(store.reserve("sentinel-dep", limits, 300));
    assertThat(g.reservation().local()).isFalse();
    assertThat(master.command("EXISTS mm:{sentinel-dep}:r:" + g.reservation().id())).as("the reservation, on the master").isEqualTo(":1");
    await(store.settle(g.reservation(), 100));
    assertThat(await(store.headroom("sentinel-dep", limits)).tokensUsed()).isEqualTo(100);
    assertThat(store.failures()).isZero();
  }
}
