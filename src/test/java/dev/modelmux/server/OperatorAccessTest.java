package dev.modelmux.server;

import static dev.modelmux.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.modelmux.config.AuthConfig;
import dev.modelmux.testing.GatewayFixture;
import dev.modelmux.testing.PlainHttp;
import dev.modelmux.testing.PlainHttp.Response;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator's endpoints over real HTTP, as issue 22 attacked them from loopback: with auth configured only an
 * operator key (admin: true) opens them, on either listener, whoever the peer is; the review page's session cookie
 * stands for the key; a request that changes something must be JSON and same-origin; a cookie- or loopback-trusted
 * request must name an allowed Host; /health/ready says its details to an operator only.
 */
@ExtendWith(VertxExtension.class)
class OperatorAccessTest {
  static final String OPS_KEY = "sk-operator-3f9c1a7e5b2d4068";
  static final String IDE_KEY = "sk-client-ide-9e8d7c6b5a4f3021";
  static final String AUTH = """
      auth:
        mode: keys
        keys:
          - { id: ops, key_sha256: "%s", admin: true }
          - { id: ide, key_sha256: "%s" }
      """.formatted(hex(OPS_KEY), hex(IDE_KEY));
  private static final List<String> OPERATOR_GETS = List.of("/admin/deployments", "/admin/keys", "/admin/costs",
      "/admin/review/cases", "/admin/prompts", "/metrics", "/_emulator/stats");

  @TempDir
  Path dir;
  private ModelMux gateway;

  private static String hex(String key) {
    return HexFormat.of().formatHex(AuthConfig.sha256(key));
  }

  /** A gateway with its emulator in-process (so /_emulator is there) and an interaction log (so /admin/review is). */
  private void start(Vertx vertx, String server, String rest) throws IOException {
    int emulatorPort;
    try (ServerSocket probe = new ServerSocket(0)) {
      emulatorPort = probe.getLocalPort();
    }
    String yaml = "server: { host: 127.0.0.1, port: 0, instances: 1" + server + " }\n"
        + "emulator: { port: " + emulatorPort + ", models: [{name: gpt-4}, {name: gpt-3.5-turbo}] }\n"
        + "interactions: { store: sqlite, path: " + dir.resolve("log.db") + ", flush_ms: 10 }\n" + rest
        + GatewayFixture.STANDARD.replace("${EMU}", "http://127.0.0.1:" + emulatorPort);
    gateway = await(ModelMux.start(vertx, ModelMux.configLoader(GatewayFixture.KEYS::get).parse(yaml)));
  }

  @AfterEach
  void stop() {
    if (gateway != null) {
      await(gateway.close());
    }
  }

  @Test
  void onTheMainListenerOnlyAnOperatorKeyOpensThemAndLoopbackIsNoCredential(Vertx vertx) throws IOException {
    start(vertx, "", AUTH);
    onlyAnOperatorKeyOpens(gateway.port());
  }

  @Test
  void onTheAdminListenerToo(Vertx vertx) throws IOException {
    start(vertx, ", admin_port: 0", AUTH);
    onlyAnOperatorKeyOpens(gateway.adminPort());
    assertThat(get(gateway.port(), "/admin/deployments", "Authorization", "Bearer " + OPS_KEY).status())
        .as("not on the public listener").isEqualTo(404);
  }

  private void onlyAnOperatorKeyOpens(int port) throws IOException {
    for (String path : OPERATOR_GETS) {
      assertThat(get(port, path, "Authorization", "Bearer " + OPS_KEY).status()).as(path + " with the operator key").isEqualTo(200);
      assertThat(get(port, path, "x-api-key", OPS_KEY).status()).as(path + " with the operator key as x-api-key").isEqualTo(200);
      Response client = get(port, path, "Authorization", "Bearer " + IDE_KEY);
      assertThat(client.status()).as(path + " with a client key").isEqualTo(403);
      assertThat(new JsonObject(client.body()).getJsonObject("error").getString("message")).contains("operator key");
      Response none = get(port, path);
      assertThat(none.status()).as(path + " from loopback without a key").isEqualTo(401);
      assertThat(none.header("www-authenticate")).isEqualTo("Bearer");
      assertThat(new JsonObject(none.body()).getJsonObject("error").getString("type")).isNotBlank();
      assertThat(get(port, path, "Authorization", "Bearer sk-wrong").status()).as(path + " with a wrong key").isEqualTo(401);
    }
    Response drain = PlainHttp.send(port, "POST", "/admin/drain", "{}", "content-type", "application/json");
    assertThat(drain.status()).as("no drain without a key").isEqualTo(401);
    assertThat(PlainHttp.send(port, "POST", "/admin/drain", "{}", "content-type", "application/json",
        "Authorization", "Bearer " + IDE_KEY).status()).as("nor with a client key").isEqualTo(403);
    assertThat(get(gateway.port(), "/health/ready").status()).as("still serving").isEqualTo(200);
  }

  @Test
  void anOperatorKeyIsAKeyForTheClientEndpointsToo(Vertx vertx) throws IOException {
    start(vertx, "", AUTH);
    Response chat = PlainHttp.send(gateway.port(), "POST", "/v1/chat/completions",
        "{\"model\":\"gpt-4\",\"messages\":[{\"role\":\"user\",\"content\":\"words: 3\"}]}", "content-type", "application/json",
        "Authorization", "Bearer " + OPS_KEY);
    assertThat(chat.status()).as(chat.body()).isEqualTo(200);
  }

  @Test
  void theReviewPageLogsInOnceIntoAnHttpOnlyStrictSessionCookieAndOut(Vertx vertx) throws IOException {
    start(vertx, "", AUTH);
    int port = gateway.port();
    assertThat(PlainHttp.send(port, "POST", "/admin/session", "{}", "content-type", "application/json",
        "Authorization", "Bearer " + IDE_KEY).status()).as("a client key opens no session").isEqualTo(403);
    Response login = PlainHttp.send(port, "POST", "/admin/session", "{}", "content-type", "application/json",
        "Authorization", "Bearer " + OPS_KEY, "Origin", "http://127.0.0.1:" + port, "Sec-Fetch-Site", "same-origin");
    assertThat(login.status()).as(login.body()).isEqualTo(200);
    String setCookie = login.header("set-cookie");
    assertThat(setCookie).startsWith("modelmux_operator=").containsIgnoringCase("HttpOnly").contains("SameSite=Strict").contains("Path=/")
        .contains("Max-Age=").doesNotContain(OPS_KEY).doesNotContain(hex(OPS_KEY));
    String cookie = setCookie.substring(0, setCookie.indexOf(';'));
    assertThat(cookie.substring(cookie.indexOf('=') + 1)).hasSizeGreaterThanOrEqualTo(40);

    assertThat(get(port, "/admin/review/cases", "Cookie", cookie).status()).isEqualTo(200);
    assertThat(new JsonObject(get(port, "/admin/session", "Cookie", cookie).body()))
        .isEqualTo(new JsonObject().put("operator", "ops").put("via", "session"));
    assertThat(get(port, "/admin/review/cases", "Cookie", "modelmux_operator=forged").status()).isEqualTo(401);

    Response logout = PlainHttp.send(port, "DELETE", "/admin/session", null, "content-type", "application/json", "Cookie", cookie);
    assertThat(logout.status()).isEqualTo(200);
    assertThat(logout.header("set-cookie")).contains("Max-Age=0");
    assertThat(get(port, "/admin/review/cases", "Cookie", cookie).status()).as("the session ended").isEqualTo(401);
  }

  @Test
  void aStateChangingRequestMustBeJsonAndSameOrigin(Vertx vertx) throws IOException {
    start(vertx, "", ""); // protected mode: loopback is trusted, which is what a page in a browser on this host rides on
    int port = gateway.port();
    String self = "http://127.0.0.1:" + port;
    assertThat(PlainHttp.send(port, "POST", "/admin/drain", "x", "content-type", "text/plain").status())
        .as("a simple (CSRF-able) request").isEqualTo(415);
    assertThat(PlainHttp.send(port, "POST", "/admin/drain", "a=b", "content-type", "application/x-www-form-urlencoded").status())
        .as("a form").isEqualTo(415);
    assertThat(PlainHttp.send(port, "POST", "/admin/drain", null).status()).as("no content type").isEqualTo(415);
    assertThat(PlainHttp.send(port, "POST", "/admin/drain", "{}", "content-type", "application/json", "Origin", "http://evil.example")
        .status()).as("another origin").isEqualTo(403);
    assertThat(PlainHttp.send(port, "POST", "/admin/drain", "{}", "content-type", "application/json", "Origin", "null").status())
        .as("an opaque origin").isEqualTo(403);
    assertThat(PlainHttp.send(port, "POST", "/admin/drain", "{}", "content-type", "application/json", "Origin", "http://127.0.0.1:1")
        .status()).as("another port is another origin").isEqualTo(403);
    assertThat(PlainHttp.send(port, "POST", "/admin/drain", "{}", "content-type", "application/json", "Sec-Fetch-Site", "same-site")
        .status()).as("a sibling site").isEqualTo(403);
    assertThat(PlainHttp.send(port, "POST", "/admin/review/cases/x/verdict", "{\"verdict\":\"fine\"}", "content-type", "text/plain")
        .status()).as("a verdict as text/plain").isEqualTo(415);
    assertThat(get(port, "/health/ready").status()).as("none of them drained the gateway").isEqualTo(200);

    Response drain = PlainHttp.send(port, "POST", "/admin/drain", "", "content-type", "application/json", "Origin", self,
        "Sec-Fetch-Site", "same-origin");
    assertThat(drain.status()).as(drain.body()).isEqualTo(202);
  }

  @Test
  void aLoopbackOrCookieTrustedRequestMustNameAnAllowedHost(Vertx vertx) throws IOException {
    start(vertx, "", "");
    int port = gateway.port();
    Response rebound = get(port, "/admin/review/cases", "Host", "rebind.attacker.test:" + port);
    assertThat(rebound.status()).as("a DNS rebinding page's request").isEqualTo(403);
    assertThat(rebound.body()).contains("admin_allowed_hosts");
    assertThat(get(port, "/review/", "Host", "rebind.attacker.test:" + port).status()).as("nor the page").isEqualTo(403);
    for (String host : List.of("localhost:" + port, "127.0.0.1:" + port, "LOCALHOST", "[::1]:" + port)) {
      assertThat(get(port, "/admin/review/cases", "Host", host).status()).as(host).isEqualTo(200);
    }
  }

  @Test
  void theHostAllowlistIsConfigurableAndAHeaderKeyNeedsNone(Vertx vertx) throws IOException {
    start(vertx, ", admin_port: 0, admin_allowed_hosts: [review.internal]", AUTH);
    int port = gateway.adminPort();
    assertThat(get(port, "/metrics", "Host", "10.1.2.3:9090", "Authorization", "Bearer " + OPS_KEY).status())
        .as("Prometheus scraping a pod IP with its key").isEqualTo(200);
    Response login = PlainHttp.send(port, "POST", "/admin/session", "{}", "content-type", "application/json",
        "Authorization", "Bearer " + OPS_KEY);
    String cookie = login.header("set-cookie").split(";")[0];
    assertThat(get(port, "/admin/review/cases", "Cookie", cookie, "Host", "review.internal:" + port).status()).isEqualTo(200);
    assertThat(get(port, "/admin/review/cases", "Cookie", cookie, "Host", "localhost:" + port).status())
        .as("the list replaces the loopback names").isEqualTo(403);
    assertThat(get(port, "/admin/review/cases", "Cookie", cookie, "Host", "rebind.attacker.test").status()).isEqualTo(403);
  }

  @Test
  void theReviewPageForbidsInlineScriptFramingAndSniffing(Vertx vertx) throws IOException {
    start(vertx, "", "");
    Response page = get(gateway.port(), "/review/");
    assertThat(page.status()).isEqualTo(200);
    String csp = page.header("content-security-policy");
    assertThat(csp).contains("script-src 'self'").contains("frame-ancestors 'none'").contains("default-src 'none'")
        .doesNotContain("unsafe-inline").doesNotContain("unsafe-eval");
    assertThat(page.header("x-content-type-options")).isEqualTo("nosniff");
    assertThat(page.header("referrer-policy")).isEqualTo("no-referrer");
    assertThat(page.header("x-frame-options")).isEqualTo("DENY");
    assertThat(page.body()).contains("<script src=\"review.js\"></script>").doesNotContainPattern("<script>|<script\\s+[^s>]")
        .doesNotContainPattern("(?i)\\son[a-z]+\\s*=").doesNotContain("style=");
    assertThat(get(gateway.port(), "/review/review.js").header("x-content-type-options")).isEqualTo("nosniff");
    assertThat(get(gateway.port(), "/admin/review/cases").header("x-content-type-options")).isEqualTo("nosniff");
  }

  @Test
  void readinessSaysOnlyItsStateToAnyoneAndItsDetailsToAnOperator(Vertx vertx) throws IOException {
    start(vertx, "", AUTH);
    Response anyone = get(gateway.port(), "/health/ready");
    assertThat(anyone.status()).isEqualTo(200);
    assertThat(new JsonObject(anyone.body())).isEqualTo(new JsonObject().put("status", "UP"));
    assertThat(new JsonObject(get(gateway.port(), "/health/ready", "Authorization", "Bearer " + IDE_KEY).body()).containsKey("checks"))
        .as("a client key").isFalse();
    JsonObject operator = new JsonObject(get(gateway.port(), "/health/ready", "Authorization", "Bearer " + OPS_KEY).body());
    assertThat(operator.getJsonObject("checks").getJsonObject("budgets").getString("mode")).isNotBlank();
  }

  @Test
  void inProtectedModeLoopbackOnAnAllowedHostSeesTheDetails(Vertx vertx) throws IOException {
    start(vertx, "", "");
    assertThat(new JsonObject(get(gateway.port(), "/health/ready").body()).containsKey("checks")).isTrue();
    assertThat(new JsonObject(get(gateway.port(), "/health/ready", "Host", "rebind.attacker.test").body()).containsKey("checks"))
        .isFalse();
  }

  private static Response get(int port, String path, String... headers) throws IOException {
    return PlainHttp.send(port, "GET", path, null, headers);
  }
}
