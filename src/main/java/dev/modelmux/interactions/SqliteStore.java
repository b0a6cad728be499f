package dev.modelmux.interactions;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * The embedded store: one SQLite file (WAL), one connection, used from one worker thread of its own, so statements
 * run in order and never on an event loop.
 */
final class SqliteStore implements SqlRunner {
  private final WorkerExecutor worker;
  private final Connection connection;

  private SqliteStore(WorkerExecutor worker, Connection connection) {
    this.worker = worker;
    this.connection = connection;
  }

  static Future<InteractionStore> open(Vertx vertx, Path file) {
    WorkerExecutor worker = vertx.createSharedWorkerExecutor("modelmux-sqlite-" + file.toAbsolutePath(), 1);
    return worker.executeBlocking(() -> {
      if (file.getParent() != null) {
        Files.createDirectories(file.getParent());
      }
      String url = "jdbc:sqlite:" + file.toAbsolutePath();
      Migrations.apply(url, null, null);
      Connection connection = DriverManager.getConnection(url);
      try (Statement s = connection.createStatement()) {
        s.execute("PRAGMA journal_mode=WAL");
        s.execute("PRAGMA synchronous=NORMAL");
        s.execute("PRAGMA busy_timeout=5000");
      }
      return new InteractionStore(new SqliteStore(worker, connection));
    }, true).onFailure(e -> worker.close());
  }

  private <T> Future<T> run(Callable<T> work) {
    return worker.executeBlocking(work, true);
  }

  @Override
  public Future<JsonArray> query(String sql, List<Object> params) {
    return run(() -> {
      JsonArray out = new JsonArray();
      try (PreparedStatement q = connection.prepareStatement(sql)) {
        bind(q, params);
        try (ResultSet rs = q.executeQuery()) {
          ResultSetMetaData meta = rs.getMetaData();
          while (rs.next()) {
            JsonObject row = new JsonObject();
            for (int i = 1; i <= meta.getColumnCount(); i++) {
              Rows.put(row, meta.getColumnLabel(i), rs.getObject(i));
            }
            out.add(row);
          }
        }
      }
      return out;
    });
  }

  @Override
  public Future<Integer> update(String sql, List<Object> params) {
    return run(() -> {
      try (PreparedStatement u = connection.prepareStatement(sql)) {
        bind(u, params);
        return u.executeUpdate();
      }
    });
  }

  @Override
  public Future<Void> batch(String sql, List<List<Object>> params) {
    return run(() -> transaction(() -> {
      try (PreparedStatement insert = connection.prepareStatement(sql)) {
        for (List<Object> values : params) {
          bind(insert, values);
          insert.addBatch();
        }
        insert.executeBatch();
      }
      return null;
    }));
  }

  @Override
  public Future<Integer> updates(List<String> sql, List<Object> params) {
    return run(() -> transaction(() -> {
      int changed = 0;
      for (String statement : sql) {
        try (PreparedStatement u = connection.prepareStatement(statement)) {
          bind(u, params);
          changed = u.executeUpdate();
        }
      }
      return changed;
    }));
  }

  private <T> T transaction(Callable<T> work) throws Exception {
    connection.setAutoCommit(false);
    try {
      T result = work.call();
      connection.commit();
      return result;
    } catch (Exception e) {
      connection.rollback();
      throw e;
    } finally {
      connection.setAutoCommit(true);
    }
  }

  @Override
  public Future<Void> close() {
    return run(() -> {
      connection.close();
      return (Void) null;
    }).eventually(() -> {
      worker.close();
      return Future.succeededFuture();
    });
  }

  private static void bind(PreparedStatement statement, List<Object> values) throws SQLException {
    for (int i = 0; i < values.size(); i++) {
      statement.setObject(i + 1, values.get(i));
    }
  }
}
