package dev.modelmux.interactions;

import dev.modelmux.config.ConfigException;
import dev.modelmux.config.ConfigLoader.SectionContext;
import dev.modelmux.config.ConfigNode;
import dev.modelmux.config.Secret;
import java.net.URI;
import java.nio.file.Path;
import java.util.Set;

/**
 * The {@code interactions:} section: where ended requests are recorded, how much of them, for how long.
 *
 * @param store {@code sqlite} (embedded, the default) or {@code postgres}
 * @param path the SQLite file (relative to the config's folder)
 * @param url the PostgreSQL URL ({@code postgresql://user@host:port/db}); its password comes from {@code password_env}
 * @param logContent false: hashes, sizes and metadata only, never a prompt or an answer
 * @param sample the share of requests recorded, 0..1
 * @param queue how many recorded requests may wait for the database; beyond it they are dropped (counted)
 */
public record InteractionsConfig(String store, Path path, URI url, Secret password, boolean logContent, double sample,
    int retentionDays, int queue, int batch, long flushMs, int maxAnswerBytes) {
  public static final String SECTION = "interactions";

  public static InteractionsConfig parse(ConfigNode node, SectionContext context) {
    node.allowOnly(Set.of("store", "path", "url", "password_env", "log_content", "sample", "retention_days", "queue", "batch",
        "flush_ms", "max_answer_bytes"));
    String store = node.string("store", "sqlite");
    Path path = null;
    URI url = null;
    Secret password = new Secret(null);
    switch (store) {
      case "sqlite" -> path = context.folder().resolve(node.string("path", "data/modelmux.db")).normalize();
      case "postgres" -> {
        url = postgresUrl(node);
        if (node.has("password_env")) {
          String variable = node.string("password_env");
          String value = context.environment().apply(variable);
          if (value == null) {
            throw new ConfigException(node.field("password_env"), "environment variable " + variable + " is not set");
          }
          password = new Secret(value);
        }
      }
      default -> throw new ConfigException(node.field("store"), "must be sqlite or postgres");
    }
    double sample = node.decimal("sample", 1.0);
    if (sample < 0 || sample > 1) {
      throw new ConfigException(node.field("sample"), "must be between 0 and 1");
    }
    return new InteractionsConfig(store, path, url, password, node.bool("log_content", true), sample,
        (int) node.number("retention_days", 30, 1, 36_500),
        (int) node.number("queue", 10_000, 1, 10_000_000),
        (int) node.number("batch", 200, 1, 10_000),
        node.number("flush_ms", 200, 1, 60_000),
        (int) node.number("max_answer_bytes", 1 << 20, 1024, 64 << 20));
  }

  private static URI postgresUrl(ConfigNode node) {
    String text = node.string("url");
    URI url;
    try {
      url = URI.create(text);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(node.field("url"), "not a valid URL: " + e.getMessage());
    }
    if (!"postgresql".equals(url.getScheme()) && !"postgres".equals(url.getScheme()) || url.getHost() == null || url.getPath().length() < 2) {
      throw new ConfigException(node.field("url"), "must be postgresql://user@host:port/database");
    }
    if (url.getUserInfo() != null && url.getUserInfo().contains(":")) {
      throw new ConfigException(node.field("url"), "must not hold a password: put it in the variable password_env names");
    }
    return url;
  }
}
