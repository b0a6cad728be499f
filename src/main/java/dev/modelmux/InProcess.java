package dev.modelmux;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import dev.modelmux.config.GatewayConfig;
import dev.modelmux.server.ModelMux;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.net.URI;
import java.util.concurrent.ExecutionException;
import org.slf4j.LoggerFactory;

/** What eval and replay share: a gateway run in this process, quietly, for the command itself to call. */
final class InProcess {
  interface OnVertx<T> {
    T run(Vertx vertx) throws Exception;
  }

  interface OnGateway<T> {
    T run(URI base) throws Exception;
  }

  /** The gateway did not start (a port taken, a store that cannot be opened, ...); the message says why, in one line. */
  static final class StartFailed extends Exception {
    StartFailed(String why, Exception cause) {
      super(why, cause);
    }
  }

  private InProcess() {}

  /** Runs {@code work} on a Vert.x instance of its own while the log says warnings only; closes it after. */
  static <T> T quietly(OnVertx<T> work) throws Exception {
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    Level level = root.getLevel();
    root.setLevel(Level.WARN);
    Vertx vertx = Vertx.vertx();
    try {
      return work.run(vertx);
    } finally {
      await(vertx.close());
      root.setLevel(level);
    }
  }

  /**
   * Starts the gateway of {@code config} on {@code vertx} (on free ports, its emulator's too, so beside a running gateway
   * of the same config), runs {@code work} against its address, closes it.
   */
  static <T> T withGateway(Vertx vertx, GatewayConfig config, OnGateway<T> work) throws Exception {
    GatewayConfig own = Ports.withFreeEmulatorPort(config);
    ModelMux mux;
    try {
      mux = await(ModelMux.start(vertx, own));
    } catch (Exception e) {
      throw new StartFailed(Ports.explain(e, own), e);
    }
    try {
      return work.run(URI.create("http://127.0.0.1:" + mux.port()));
    } finally {
      await(mux.close());
    }
  }

  /** Waits for {@code future}; its failure is thrown as it is. */
  static <T> T await(Future<T> future) throws Exception {
    try {
      return future.toCompletionStage().toCompletableFuture().get();
    } catch (ExecutionException e) {
      throw e.getCause() instanceof Exception cause ? cause : e;
    }
  }
}
