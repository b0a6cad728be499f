package dev.modelmux.interactions;

import static dev.modelmux.testing.Await.await;

import dev.modelmux.testing.PostgresServer;
import io.vertx.core.Vertx;
import java.net.URI;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/** The store contract on a real PostgreSQL server (Debian's package, its own data directory and port), migrated by Flyway. */
class PostgresStoreTest extends InteractionStoreContract {
  private static PostgresServer server;
  private Vertx vertx;
  private InteractionStore store;

  @BeforeAll
  static void startServer() {
    server = PostgresServer.start();
  }

  @AfterAll
  static void stopServer() {
    server.close();
  }

  @BeforeEach
  void open() {
    vertx = Vertx.vertx();
    store = await(PostgresStore.open(vertx, URI.create(server.url()), null));
    await(store.forgetBefore(Long.MAX_VALUE)); // each test starts empty
  }

  @AfterEach
  void close() {
    await(store.close());
    await(vertx.close());
  }

  @Override
  InteractionStore store() {
    return store;
  }
}
