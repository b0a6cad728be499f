package dev.modelmux.interactions;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The store contract on a real SQLite file, migrated by Flyway. */
class SqliteStoreTest extends InteractionStoreContract {
  @TempDir
  Path dir;

  @Override
  Future<InteractionStore> open(Vertx vertx) {
    return SqliteStore.open(vertx, dir.resolve("data/modelmux.db"));
  }
}
