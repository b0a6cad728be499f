package dev.modelmux.interactions;

import dev.modelmux.testing.PostgresServer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.net.URI;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The store contract on a real PostgreSQL server (Debian's package, its own data directory and port), migrated by Flyway. */
class PostgresStoreTest extends InteractionStoreContract {
  private static PostgresServer server;

  @BeforeAll
  static void startServer() {
    server = PostgresServer.start();
  }

  @AfterAll
  static void stopServer() {
    server.close();
  }

  /** One server for the class: each test starts with its tables emptied. */
  @Override
  Future<InteractionStore> open(Vertx vertx) {
    return PostgresStore.open(vertx, URI.create(server.url()), null)
        .compose(store -> store.forgetBefore(Long.MAX_VALUE).map(forgotten -> store));
  }
}
