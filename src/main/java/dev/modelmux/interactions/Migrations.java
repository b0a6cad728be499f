package dev.modelmux.interactions;

import org.flywaydb.core.Flyway;

/** Brings a store's schema to the versions in {@code src/main/resources/db/migration} (Flyway, the same files for both). */
final class Migrations {
  private Migrations() {}

  /** Blocking: run it off the event loop. */
  static void apply(String jdbcUrl, String user, String password) {
    Flyway.configure(Migrations.class.getClassLoader())
        .dataSource(jdbcUrl, user, password)
        .locations("classpath:db/migration")
        .load()
        .migrate();
  }
}
