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
import java.net.URI;
import java.util.List;

/**
 * The store for many replicas: PostgreSQL through the reactive vertx-pg-client (a small pool, on the event loops);
 * the schema is migrated once at start through JDBC (Flyway), off the event loop.
 */
final class PostgresStore implements InteractionStore {
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
      Pool pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(4).setMaxWaitQueueSize(64).setConnectionTimeout(2).setConnectionTimeoutUnit(java.util.concurrent.TimeUnit.SECONDS)).connectingTo(connect).using(vertx).build();
      return new PostgresStore(pool);
    });
  }

  /** ? placeholders as PostgreSQL's $1, $2, ... */
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

  @Override
  public Future<Void> write(List<InteractionRow> rows) {
    List<Tuple> batch = rows.stream().map(r -> Tuple.wrap(new java.util.ArrayList<>(r.values()))).toList();
    return pool.preparedQuery(numbered(Sql.INSERT)).executeBatch(batch).mapEmpty();
  }

  @Override
  public Future<JsonObject> find(String requestId) {
    return pool.preparedQuery(numbered(Sql.FIND)).execute(Tuple.of(requestId)).compose(found -> {
      if (found.size() == 0) {
        return Future.succeededFuture(null);
      }
      JsonObject interaction = json(found.iterator().next());
      return pool.preparedQuery(numbered(Sql.FIND_FEEDBACK)).execute(Tuple.of(requestId)).map(feedback -> {
        JsonArray list = new JsonArray();
        feedback.forEach(row -> list.add(json(row)));
        return interaction.put("feedback", list);
      });
    });
  }

  @Override
  public Future<Boolean> feedback(Feedback feedback) {
    return pool.preparedQuery(numbered(Sql.EXISTS)).execute(Tuple.of(feedback.requestId())).compose(exists -> exists.size() == 0
        ? Future.succeededFuture(false)
        : pool.preparedQuery(numbered(Sql.UPSERT_FEEDBACK)).execute(Tuple.wrap(new java.util.ArrayList<>(Sql.feedbackValues(feedback))))
            .map(true));
  }

  @Override
  public Future<JsonArray> costs(long sinceMs, CostGroup group) {
    return pool.preparedQuery(numbered(Sql.costs(group))).execute(Tuple.of(sinceMs)).map(PostgresStore::jsonArray);
  }

  @Override
  public Future<Integer> forgetBefore(long beforeMs) {
    return pool.withTransaction(c -> c.preparedQuery(numbered(Sql.FORGET_FEEDBACK)).execute(Tuple.of(beforeMs))
        .compose(v -> c.preparedQuery(numbered(Sql.FORGET)).execute(Tuple.of(beforeMs))).map(RowSet::rowCount));
  }

  @Override
  public Future<Void> close() {
    return pool.close();
  }

  private static JsonArray jsonArray(RowSet<Row> rows) {
    JsonArray out = new JsonArray();
    rows.forEach(row -> out.add(json(row)));
    return out;
  }

  private static JsonObject json(Row row) {
    JsonObject out = new JsonObject();
    for (int i = 0; i < row.size(); i++) {
      Object value = row.getValue(i);
      Rows.put(out, row.getColumnName(i), value instanceof java.math.BigDecimal d ? d.doubleValue() : value);
    }
    return out;
  }
}
