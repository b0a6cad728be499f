package dev.modelmux.interactions;

import static dev.modelmux.testing.Await.await;

import io.vertx.core.Vertx;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** The store contract on a real SQLite file, migrated by Flyway. */
class SqliteStoreTest extends InteractionStoreContract {
  @TempDir
  Path dir;
  private Vertx vertx;
  private InteractionStore store;

  @BeforeEach
  void open() {
    vertx = Vertx.vertx();
    store = await(SqliteStore.open(vertx, dir.resolve("data/modelmux.db")));
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
