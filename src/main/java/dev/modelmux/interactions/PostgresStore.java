package dev.modelmux.interactions;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.math.BigDecimal;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The store for many replicas: PostgreSQL through the reactive vertx-pg-client (a small pool, on the event loops);
 * the schema is migrated once at start through JDBC (Flyway), off the event loop.
 */
final class PostgresStore implements SqlRunner {
  private final Pool pool;

  private PostgresStore(Pool pool) {
    this.pool = pool;
  }

  static Future<InteractionStore> open(Vertx vertx, URI url, String password) {
    String user = url.getUserInfo() == null ? "postgres" : url.getUserInfo();
    int port = url.getPort() < 0 ? 5432 : url.getPort();
    String database = url.getPath().substring(1);
    String jdbc = "jdbc:postgresql://" + url.getHost() + ":" + port + "/" + database;
    return vertx.executeBlocking(() -> {
      Migrations.apply(jdbc, user, password);
      return null;
    }, false).map(v -> {
      PgConnectOptions connect = new PgConnectOptions().setHost(url.getHost()).setPort(port).setDatabase(database).setUser(user)
          .setPassword(password == null ? "" : password).setReconnectAttempts(0);
      PoolOptions options = new PoolOptions().setMaxSize(4).setMaxWaitQueueSize(64).setConnectionTimeout(2)
          .setConnectionTimeoutUnit(TimeUnit.SECONDS);
      return new InteractionStore(new PostgresStore(PgBuilder.pool().with(options).connectingTo(connect).using(vertx).build()));
    });
  }

  /** ? placeholders as PostgreSQL's $1, $2, ... (the shared SQL has no ? in literals). */
  static String numbered(String sql) {
    StringBuilder out = new StringBuilder(sql.length() + 16);
    int n = 0;
    for (char c : sql.toCharArray()) {
      if (c == '?') {
        out.append('$').append(++n);
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  private static Tuple tuple(List<Object> values) {
    return Tuple.wrap(new ArrayList<>(values));
  }

  @Override
  public Future<JsonArray> query(String sql, List<Object> params) {
    return pool.preparedQuery(numbered(sql)).execute(tuple(params)).map(PostgresStore::json);
  }

  @Override
  public Future<Integer> update(String sql, List<Object> params) {
    return pool.preparedQuery(numbered(sql)).execute(tuple(params)).map(RowSet::rowCount);
  }

  @Override
  public Future<Void> batch(String sql, List<List<Object>> params) {
    return pool.preparedQuery(numbered(sql)).executeBatch(params.stream().map(PostgresStore::tuple).toList()).mapEmpty();
  }

  @Override
  public Future<Integer> updates(List<String> sql, List<Object> params) {
    return pool.withTransaction(c -> {
      Future<Integer> chain = Future.succeededFuture(0);
      for (String statement : sql) {
        chain = chain.compose(v -> c.preparedQuery(numbered(statement)).execute(tuple(params)).map(RowSet::rowCount));
      }
      return chain;
    });
  }

  @Override
  public Future<Void> close() {
    return pool.close();
  }

  private static JsonArray json(RowSet<Row> rows) {
    JsonArray out = new JsonArray();
    for (Row row : rows) {
      JsonObject json = new JsonObject();
      for (int i = 0; i < row.size(); i++) {
        Object value = row.getValue(i);
        Rows.put(json, row.getColumnName(i), value instanceof BigDecimal d ? d.doubleValue() : value);
      }
      out.add(json);
    }
    return out;
  }
}
