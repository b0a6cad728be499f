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
final class SqliteStore implements InteractionStore {
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
      return (InteractionStore) new SqliteStore(worker, connection);
    }, true).onFailure(e -> worker.close());
  }

  private <T> Future<T> run(Callable<T> work) {
    return worker.executeBlocking(work, true);
  }

  @Override
  public Future<Void> write(List<InteractionRow> rows) {
    return run(() -> {
      boolean auto = connection.getAutoCommit();
      connection.setAutoCommit(false);
      try (PreparedStatement insert = connection.prepareStatement(Sql.INSERT)) {
        for (InteractionRow row : rows) {
          bind(insert, row.values());
          insert.addBatch();
        }
        insert.executeBatch();
        connection.commit();
      } catch (SQLException e) {
        connection.rollback();
        throw e;
      } finally {
        connection.setAutoCommit(auto);
      }
      return null;
    });
  }

  @Override
  public Future<JsonObject> find(String requestId) {
    return run(() -> {
      JsonObject found = null;
      try (PreparedStatement q = connection.prepareStatement(Sql.FIND)) {
        q.setString(1, requestId);
        try (ResultSet rs = q.executeQuery()) {
          if (rs.next()) {
            found = row(rs);
          }
        }
      }
      if (found == null) {
        return null;
      }
      JsonArray feedback = new JsonArray();
      try (PreparedStatement q = connection.prepareStatement(Sql.FIND_FEEDBACK)) {
        q.setString(1, requestId);
        try (ResultSet rs = q.executeQuery()) {
          while (rs.next()) {
            feedback.add(row(rs));
          }
        }
      }
      return found.put("feedback", feedback);
    });
  }

  @Override
  public Future<Boolean> feedback(Feedback feedback) {
    return run(() -> {
      try (PreparedStatement exists = connection.prepareStatement(Sql.EXISTS)) {
        exists.setString(1, feedback.requestId());
        try (ResultSet rs = exists.executeQuery()) {
          if (!rs.next()) {
            return false;
          }
        }
      }
      try (PreparedStatement upsert = connection.prepareStatement(Sql.UPSERT_FEEDBACK)) {
        bind(upsert, Sql.feedbackValues(feedback));
        upsert.executeUpdate();
      }
      return true;
    });
  }

  @Override
  public Future<JsonArray> costs(long sinceMs, CostGroup group) {
    return run(() -> {
      JsonArray out = new JsonArray();
      try (PreparedStatement q = connection.prepareStatement(Sql.costs(group))) {
        q.setLong(1, sinceMs);
        try (ResultSet rs = q.executeQuery()) {
          while (rs.next()) {
            out.add(row(rs));
          }
        }
      }
      return out;
    });
  }

  @Override
  public Future<Integer> forgetBefore(long beforeMs) {
    return run(() -> {
      try (PreparedStatement feedback = connection.prepareStatement(Sql.FORGET_FEEDBACK);
           PreparedStatement interactions = connection.prepareStatement(Sql.FORGET)) {
        feedback.setLong(1, beforeMs);
        feedback.executeUpdate();
        interactions.setLong(1, beforeMs);
        return interactions.executeUpdate();
      }
    });
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

  private static JsonObject row(ResultSet rs) throws SQLException {
    ResultSetMetaData meta = rs.getMetaData();
    JsonObject row = new JsonObject();
    for (int i = 1; i <= meta.getColumnCount(); i++) {
      Rows.put(row, meta.getColumnLabel(i), rs.getObject(i));
    }
    return row;
  }
}
