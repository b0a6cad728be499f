package dev.modelmux.docs;

import static dev.modelmux.testing.Await.await;

import dev.modelmux.config.GatewayConfig;
import dev.modelmux.server.ModelMux;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The demo, {@code conf/demo.yaml} as shipped, in this JVM but on free ports (so beside a running demo): the gateway's
 * {@code server.port} and the emulator's port 9099 (its {@code port} and every deployment's base URL) are moved, and
 * the interaction log goes to a temporary folder instead of {@code data/}. Every rewrite must find what it replaces,
 * so a changed demo config fails here rather than binding the demo's own ports.
 */
final class DemoOnFreePorts implements AutoCloseable {
  /** What scripts/demo-keys.sh exported before the demo config needed no keys; unused once it names none. */
  private static final Map<String, String> OLD_DEMO_KEYS = Map.of(
      "MODELMUX_DEMO_KEY_A", "demo-account-a",
      "MODELMUX_DEMO_KEY_B", "demo-account-b",
      "MODELMUX_DEMO_KEY_AZURE", "demo-azure",
      "MODELMUX_DEMO_KEY_ANTHROPIC", "demo-anthropic");

  private final Vertx vertx;
  private final ModelMux mux;
  private final Path data;

  private DemoOnFreePorts(Vertx vertx, ModelMux mux, Path data) {
    this.vertx = vertx;
    this.mux = mux;
    this.data = data;
  }

  static DemoOnFreePorts start(Path repository) throws IOException {
    Path conf = repository.resolve("conf");
    String yaml = Files.readString(conf.resolve("demo.yaml"));
    int emulatorPort = freePort();
    Path data = Files.createTempDirectory("demo-data");
    yaml = replaceOnce(yaml, "(?m)^(server:\\s*\\n(?:[ \\t]+.*\\n)*?[ \\t]+port:\\s*)8080\\b", "$10");
    yaml = replaceOnce(yaml, "(?m)^(emulator:.*\\n(?:[ \\t]+.*\\n|\\s*\\n)*?[ \\t]+port:\\s*)9099\\b", "$1" + emulatorPort);
    yaml = replaceAll(yaml, "127\\.0\\.0\\.1:9099", "127.0.0.1:" + emulatorPort);
    yaml = replaceOnce(yaml, "(interactions:[^\\n]*path:\\s*)[^ ,}\\n]+", "$1" + Matcher.quoteReplacement(data.resolve("modelmux.db").toString()));
    String withoutComments = yaml.replaceAll("(?m)(^|\\s)#.*$", "");
    if (withoutComments.contains("9099") || withoutComments.contains("8080")) {
      throw new IllegalStateException("conf/demo.yaml still names a demo port after the rewrite:\n" + yaml);
    }
    GatewayConfig config = ModelMux.configLoader(name -> System.getenv().getOrDefault(name, OLD_DEMO_KEYS.get(name)))
        .parse(yaml, conf.toAbsolutePath());
    Vertx vertx = Vertx.vertx();
    try {
      return new DemoOnFreePorts(vertx, await(ModelMux.start(vertx, config), 60), data);
    } catch (RuntimeException e) {
      await(vertx.close());
      throw e;
    }
  }

  /** host:port of the gateway, to put where the docs say 127.0.0.1:8080. */
  String address() {
    return "127.0.0.1:" + mux.port();
  }

  @Override
  public void close() throws IOException {
    try {
      await(mux.close(), 60);
      await(vertx.close(), 60);
    } finally {
      try (var files = Files.walk(data)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static String replaceOnce(String text, String regex, String replacement) {
    Matcher m = Pattern.compile(regex).matcher(text);
    if (!m.find()) {
      throw new IllegalStateException("conf/demo.yaml no longer matches " + regex + ": update DemoOnFreePorts");
    }
    return m.replaceFirst(replacement);
  }

  private static String replaceAll(String text, String regex, String replacement) {
    Matcher m = Pattern.compile(regex).matcher(text);
    if (!m.find()) {
      throw new IllegalStateException("conf/demo.yaml no longer matches " + regex + ": update DemoOnFreePorts");
    }
    return m.replaceAll(replacement);
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
