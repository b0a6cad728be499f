package dev.modelmux.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelmux.config.AuthConfig;
import dev.modelmux.testing.GatewayProcess;
import dev.modelmux.testing.JsonMutations;
import dev.modelmux.testing.RichRequests;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A seeded run of ~2,000 hostile requests over every endpoint, as raw bytes on sockets: every method, no key, a wrong
 * key, a client key and an operator key, odd content types, hostile Host headers, bodies that are not JSON, not UTF-8,
 * duplicate-keyed, deeply nested or one huge word, paths that climb or are encoded, request lines no client sends. A
 * replica with the docs' small-heap flags must answer each within a bound, never with a 5xx (but 501/505 to request
 * lines it cannot speak), and be whole afterwards: alive, serving, every breaker closed, nothing in flight.
 */
class EndpointFuzzTest {
  private static final long SEED = 22;
  private static final int SHOTS = 2_000;
  private static final int IN_FLIGHT = 8;
  /** A shot that takes longer than this is a hang, on any machine. */
  private static final int BOUND_MS = 20_000;
  private static final String CLIENT_KEY = "sk-fuzz-client-6b1d0f3e";
  private static final String OPERATOR_KEY = "sk-fuzz-operator-93c7a2e5";
  private static final List<String> PATHS = List.of("/v1/chat/completions", "/v1/messages", "/v1/models", "/v1/feedback",
      "/health/live", "/health/ready", "/admin/deployments", "/admin/keys", "/admin/prompts", "/admin/costs",
      "/admin/costs?group=key&since=7d", "/admin/drain", "/metrics", "/review", "/review/", "/review/review.js",
      "/admin/review/cases", "/admin/review/cases/1", "/admin/review/cases/1/verdict", "/admin/review/cases/1/regression",
      "/_emulator/stats", "/_emulator/models/gpt-4/fault");
  private static final List<String> METHODS = List.of("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD");

  private static GatewayProcess replica;
  private static int port;

  private record Shot(String label, byte[] bytes, boolean speaksHttp) {}

  /** @param head the status line, headers and the start of the body; {@code body} the whole body */
  private record Outcome(Shot shot, int status, String head, String body, long ms, String failure) {}

  @BeforeAll
  static void start(@TempDir Path dir) throws IOException {
    int emulatorPort;
    try (ServerSocket s = new ServerSocket(0)) {
      emulatorPort = s.getLocalPort();
    }
    String yaml = """
        server: { host: 127.0.0.1, instances: 1 }
        auth:
          mode: keys
          keys:
            - { id: fuzz-client, key_sha256: "%s" }
            - { id: fuzz-operator, key_sha256: "%s", admin: true }
        interactions: { store: sqlite, path: %s, flush_ms: 10 }
        emulator:
          port: %d
          models:
            - { name: gpt-4, ttft_ms: 0, inter_token_ms: 0, context_window: 8192 }
            - { name: claude-2, ttft_ms: 0, inter_token_ms: 0, context_window: 100000 }
        deployments:
          - { id: oa-gpt4, provider: openai, base_url: "http://127.0.0.1:%d/v1", api_key_env: KEY_A, model: gpt-4,
              context_window: 8192, limits: { tpm: 100000000, rpm: 1000000 } }
          - { id: an-claude, provider: anthropic, base_url: "http://127.0.0.1:%d", api_key_env: KEY_B, model: claude-2,
              context_window: 100000, limits: { tpm: 100000000, rpm: 1000000 } }
        routes:
          - { name: via-openai, tiers: [[oa-gpt4]] }
          - { name: via-anthropic, tiers: [[an-claude]] }
        """.formatted(sha256(CLIENT_KEY), sha256(OPERATOR_KEY), dir.resolve("log.db"), emulatorPort, emulatorPort, emulatorPort);
    replica = GatewayProcess.start(yaml, GatewayProcess.DOCS_JVM_FLAGS);
    port = replica.port();
  }

  @AfterAll
  static void stop() {
    if (replica != null) {
      replica.kill();
    }
  }

  @Test
  void twoThousandHostileRequestsOverEveryEndpointGetNo5xxNoHangAndLeaveTheProcessWhole() throws Exception {
    List<Shot> shots = shots(new Random(SEED));
    long start = System.nanoTime();
    List<Outcome> outcomes = sendAll(shots);
    long totalMs = (System.nanoTime() - start) / 1_000_000;

    List<String> wrong = new ArrayList<>();
    for (Outcome o : outcomes) {
      String problem = problem(o);
      if (problem != null) {
        wrong.add(clip(o.shot().label(), 300) + ": " + clip(problem, 500));
      }
    }
    System.out.printf("EndpointFuzzTest: %d hostile requests in %d ms, %d wrong%n", outcomes.size(), totalMs, wrong.size());
    List<String> first = wrong.subList(0, Math.min(wrong.size(), 30));
    assertThat(first).as("%d hostile requests answered wrongly, the first of them here (replica output: %s)", wrong.size(),
        clip(replica.output(), 4000)).isEmpty();

    assertThat(replica.alive()).as("the replica is alive").isTrue();
    Outcome live = exchange(request("GET", "/health/live", null, null, null));
    assertThat(live.status()).as("%s", live.head()).isEqualTo(200);
    Outcome served = exchange(request("POST", "/v1/chat/completions", "application/json", CLIENT_KEY,
        RichRequests.openAiRequest("via-anthropic", false).encode().getBytes(StandardCharsets.UTF_8)));
    assertThat(served.status()).as("a plain request after the run: %s", served.head()).isEqualTo(200);
    String deployments = body(request("GET", "/admin/deployments", null, OPERATOR_KEY, null));
    JsonArray rows = new JsonObject(deployments).getJsonArray("deployments");
    assertThat(rows).isNotEmpty().allSatisfy(row -> {
      assertThat(((JsonObject) row).getString("breaker")).as("%s", row).isEqualTo("closed");
      assertThat(((JsonObject) row).getLong("paused_for_ms")).as("%s", row).isZero();
      assertThat(((JsonObject) row).getInteger("in_flight")).as("%s", row).isZero();
    });
    assertThat(replica.output()).doesNotContain("OutOfMemoryError").doesNotContain(CLIENT_KEY).doesNotContain(OPERATOR_KEY);
  }

  /** What is wrong with one answer, or null. */
  private static String problem(Outcome o) {
    if (o.failure() != null) {
      return o.failure();
    }
    if (o.ms() > BOUND_MS) {
      return "took " + o.ms() + " ms";
    }
    if (o.status() == 0) {
      return o.shot().speaksHttp() ? "no HTTP response: " + o.head() : null;
    }
    if (o.status() >= 500 && !(!o.shot().speaksHttp() && (o.status() == 501 || o.status() == 505))) {
      return "status " + o.status() + ": " + o.head();
    }
    return null;
  }

  private static List<Shot> shots(Random random) {
    List<Shot> shots = new ArrayList<>();
    List<byte[]> bodies = bodies(random);
    while (shots.size() < SHOTS - 100) {
      String method = pick(random, METHODS);
      String path = random.nextInt(8) == 0 ? hostilePath(random) : pick(random, PATHS);
      String key = pick(random, Arrays.asList(null, "", "sk-wrong", CLIENT_KEY, OPERATOR_KEY));
      if (OPERATOR_KEY.equals(key) && !method.equals("GET") && !method.equals("HEAD") && !method.equals("OPTIONS")
          && (path.contains("drain") || path.contains("_emulator"))) {
        continue; // an operator may drain the replica and break the emulator: that is their job, not an attack
      }
      String contentType = pick(random, Arrays.asList("application/json", "application/json; charset=utf-8",
          "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", null, "application/JSON;;;",
          "\u00e9/\u00e9"));
      byte[] body = method.equals("GET") && random.nextBoolean() ? null : bodies.get(random.nextInt(bodies.size()));
      String extra = random.nextInt(4) == 0 ? hostileHeaders(random) : "";
      shots.add(new Shot(method + " " + path + " key=" + describe(key) + " type=" + contentType + " body=" + describe(body)
          + (extra.isEmpty() ? "" : " headers=" + extra.strip().replace("\r\n", " | ")),
          request(method, path, contentType, key, body, extra), true));
    }
    for (String line : List.of("GET / HTTP/9.9", "GET /health/live HTTP/9.9", "PRI * HTTP/2.0", "GET /health/live HTTP/1.1x",
        "get /health/live HTTP/1.1", "GET /health/live", "BREW /health/live HTTP/1.1", "GET  /health/live  HTTP/1.1",
        "GET http://evil.test/admin/keys HTTP/1.1", "GET * HTTP/1.1", "\u0000\u0001\u0002", "GET /health/live HTTP/1.1\nX: y")) {
      for (int i = 0; shots.size() < SHOTS && i < 8; i++) {
        shots.add(new Shot("request line " + printable(line), (line + "\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
            + (i % 2 == 0 ? "" : "{}")).getBytes(StandardCharsets.ISO_8859_1), false));
      }
    }
    while (shots.size() < SHOTS) {
      byte[] noise = new byte[1 + random.nextInt(512)];
      random.nextBytes(noise);
      shots.add(new Shot("noise of " + noise.length + " bytes", noise, false));
    }
    return shots;
  }

  /** Completion bodies valid and mutated, and bodies no JSON library writes. */
  private static List<byte[]> bodies(Random random) {
    List<byte[]> bodies = new ArrayList<>();
    for (JsonObject valid : List.of(RichRequests.openAiRequest("via-openai", true), RichRequests.openAiRequest("via-anthropic", false),
        RichRequests.anthropicRequest("via-anthropic", true), RichRequests.anthropicRequest("via-openai", false))) {
      bodies.add(valid.encode().getBytes(StandardCharsets.UTF_8));
      JsonMutations.of(valid, random, 20).stream().filter(m -> random.nextInt(6) == 0)
          .forEach(m -> bodies.add(m.body().getBytes(StandardCharsets.UTF_8)));
    }
    String messages = "\"messages\":[{\"role\":\"user\",\"content\":\"say: hi\"}]";
    for (String raw : List.of("", "{", "null", "[]", "{}", "{\"model\":\"via-openai\"," + messages + ",\"model\":\"via-anthropic\"}",
        "{\"model\":\"via-openai\",\"max_tokens\":5," + messages + ",\"max_tokens\":99999999}",
        "{\"model\":\"via-openai\",\"messages\":[{\"role\":\"user\",\"content\":\"a\",\"content\":\"b\"}]}",
        "{\"model\":\"via-openai\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"say: hi " + "a".repeat(64 * 1024) + "\"}]}",
        "{\"model\":\"via-anthropic\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"" + "b ".repeat(40_000) + "\"}]}",
        "{\"request_id\":\"x\",\"rating\":\"up\"}", "{\"verdict\":\"good\"}", "{\"verdict\":\"" + "v".repeat(10_000) + "\"}",
        "[".repeat(10_000), "{\"a\":" + "[".repeat(3000) + "]".repeat(3000) + "}", "{\"model\":1e999999}",
        "{\"model\":\"\\ud800\"," + messages + "}")) {
      bodies.add(raw.getBytes(StandardCharsets.UTF_8));
    }
    bodies.add(concat("{\"model\":\"via-openai\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"",
        new byte[] {(byte) 0xc0, (byte) 0xaf, (byte) 0xff, (byte) 0xed, (byte) 0xa0, (byte) 0x80}, "\"}]}"));
    byte[] noise = new byte[4096];
    random.nextBytes(noise);
    bodies.add(noise);
    return bodies;
  }

  private static String hostilePath(Random random) {
    return pick(random, List.of("/review/../../../../etc/passwd", "/review/%2e%2e/%2e%2e/etc/passwd", "//admin/keys",
        "/admin/./keys", "/ADMIN/KEYS", "/admin/keys%00", "/admin/keys/..;/drain", "/v1/chat/completions/", "/v1//messages",
        "/%ZZ", "/admin/review/cases/" + "9".repeat(40), "/admin/review/cases/-1/verdict", "/admin/review/cases/%27%20OR%201=1",
        "/admin/costs?since=" + "9".repeat(30) + "d&group=day", "/admin/costs?since=-5d", "/admin/costs?group=%00",
        "/_emulator/models/%2e%2e/fault", "/v1/models?" + "x=1&".repeat(500), "/" + "a".repeat(4000), "/\u00e9\u00e9"));
  }

  private static String hostileHeaders(Random random) {
    return pick(random, List.of("Host: rebind.attacker.test\r\n", "Origin: http://evil.test\r\nSec-Fetch-Site: cross-site\r\n",
        "Expect: 100-continue\r\n", "Expect: 999-nope\r\n", "X-Request-Id: " + "r".repeat(2000) + "\r\n",
        "X-Request-Id: a b\u00e9\r\n", "Cookie: modelmux_session=" + "c".repeat(300) + "\r\n", "Anthropic-Version: 1999-01-01\r\n",
        "X-Modelmux-Family: ../../etc\r\n", "Traceparent: 00-zz-zz-zz\r\n", "Transfer-Encoding: gzip\r\n",
        "X-Forwarded-For: 127.0.0.1\r\nForwarded: for=127.0.0.1\r\n", "Accept-Encoding: gzip, deflate, br\r\n",
        "Range: bytes=0-1,5-9\r\n", "Authorization: Basic Zm9vOmJhcg==\r\n"));
  }

  static byte[] request(String method, String path, String contentType, String key, byte[] body) {
    return request(method, path, contentType, key, body, "");
  }

  private static byte[] request(String method, String path, String contentType, String key, byte[] body, String extraHeaders) {
    StringBuilder head = new StringBuilder(method).append(' ').append(path).append(" HTTP/1.1\r\n");
    if (!extraHeaders.startsWith("Host:")) {
      head.append("Host: 127.0.0.1:").append(port).append("\r\n");
    }
    head.append(extraHeaders).append("Connection: close\r\n");
    if (contentType != null) {
      head.append("Content-Type: ").append(contentType).append("\r\n");
    }
    if (key != null) {
      head.append(key.hashCode() % 2 == 0 ? "Authorization: Bearer " : "x-api-key: ").append(key).append("\r\n");
    }
    if (body != null) {
      head.append("Content-Length: ").append(body.length).append("\r\n");
    }
    head.append("\r\n");
    return concat(head.toString(), body == null ? new byte[0] : body, "");
  }

  private static List<Outcome> sendAll(List<Shot> shots) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(IN_FLIGHT);
    try {
      List<Future<Outcome>> pending = new ArrayList<>();
      for (Shot shot : shots) {
        pending.add(pool.submit(() -> exchange(shot)));
      }
      List<Outcome> outcomes = new ArrayList<>();
      for (Future<Outcome> f : pending) {
        outcomes.add(f.get(10L * BOUND_MS, TimeUnit.MILLISECONDS));
      }
      return outcomes;
    } finally {
      pool.shutdownNow();
    }
  }

  private static Outcome exchange(byte[] bytes) {
    return exchange(new Shot("check", bytes, true));
  }

  /** Sends one shot on a connection of its own and reads until the server closes it (the shot asked it to). */
  private static Outcome exchange(Shot shot) {
    long start = System.nanoTime();
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(BOUND_MS);
      try {
        socket.getOutputStream().write(shot.bytes());
        socket.getOutputStream().flush();
        socket.shutdownOutput();
      } catch (IOException refusedMidBody) {
        // the server answered and closed before it took every byte: what it said is still there to read
      }
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      InputStream in = socket.getInputStream();
      byte[] chunk = new byte[8192];
      try {
        for (int n; (n = in.read(chunk)) >= 0; ) {
          all.write(chunk, 0, n);
        }
      } catch (SocketTimeoutException e) {
        return new Outcome(shot, 0, null, null, (System.nanoTime() - start) / 1_000_000, "the connection stayed open " + BOUND_MS + " ms");
      } catch (IOException reset) {
        // a reset after the answer still ends it
      }
      String text = all.toString(StandardCharsets.ISO_8859_1);
      while (text.matches("(?s)HTTP/1\\.1 1\\d\\d .*?\r\n\r\n.*")) {
        text = text.substring(text.indexOf("\r\n\r\n") + 4); // interim answers (the probes of a half-closed connection)
      }
      long ms = (System.nanoTime() - start) / 1_000_000;
      if (!text.startsWith("HTTP/1.")) {
        return new Outcome(shot, 0, printable(clip(text, 200)), null, ms, null);
      }
      int status = Integer.parseInt(text.substring(9, 12));
      int headEnd = text.indexOf("\r\n\r\n");
      String head = text.substring(0, headEnd < 0 ? Math.min(text.length(), 400) : Math.min(headEnd + 400, text.length()));
      return new Outcome(shot, status, head, headEnd < 0 ? "" : text.substring(headEnd + 4), ms, null);
    } catch (IOException e) {
      return new Outcome(shot, 0, null, null, (System.nanoTime() - start) / 1_000_000, "could not connect: " + e);
    }
  }

  private static String body(byte[] request) {
    Outcome o = exchange(new Shot("check", request, true));
    assertThat(o.status()).as("%s", o.head()).isEqualTo(200);
    return o.body();
  }

  private static byte[] concat(String head, byte[] middle, String tail) {
    byte[] a = head.getBytes(StandardCharsets.UTF_8);
    byte[] c = tail.getBytes(StandardCharsets.UTF_8);
    byte[] all = new byte[a.length + middle.length + c.length];
    System.arraycopy(a, 0, all, 0, a.length);
    System.arraycopy(middle, 0, all, a.length, middle.length);
    System.arraycopy(c, 0, all, a.length + middle.length, c.length);
    return all;
  }

  private static <T> T pick(Random random, List<T> from) {
    return from.get(random.nextInt(from.size()));
  }

  private static String describe(String key) {
    return key == null ? "none" : key.equals(CLIENT_KEY) ? "client" : key.equals(OPERATOR_KEY) ? "operator" : "'" + key + "'";
  }

  private static String describe(byte[] body) {
    if (body == null) {
      return "none";
    }
    String text = new String(body, 0, Math.min(body.length, 60), StandardCharsets.ISO_8859_1);
    return printable(text) + (body.length > 60 ? "... (" + body.length + " bytes)" : "");
  }

  private static String printable(String text) {
    StringBuilder out = new StringBuilder();
    text.codePoints().forEach(c -> out.append(c >= 0x20 && c < 0x7f ? Character.toString(c) : String.format("\\x%02x", c & 0xff)));
    return out.toString();
  }

  private static String clip(String text, int most) {
    return text.length() > most ? text.substring(0, most) + "... (" + text.length() + " characters)" : text;
  }

  private static String sha256(String key) {
    return HexFormat.of().formatHex(AuthConfig.sha256(key));
  }
}
