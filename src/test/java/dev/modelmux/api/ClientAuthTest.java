package dev.modelmux.api;

import static dev.modelmux.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaMethodCall;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import dev.modelmux.config.AuthConfig;
import dev.modelmux.config.AuthConfig.ClientKey;
import dev.modelmux.testing.CapturedLogs;
import dev.modelmux.testing.GatewayFixture;
import dev.modelmux.testing.TestClient;
import dev.modelmux.testing.TestClient.Reply;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Client keys over real HTTP: each status in both dialects, protected mode, mode none, and no key in any log line. */
@ExtendWith(VertxExtension.class)
class ClientAuthTest {
  static final String IDE_KEY = "sk-client-ide-5b1e0c7d9a2f4e38";
  static final String CI_KEY = "sk-client-ci-08d3f6a1c4b29e75";
  static final String OPS_KEY = "sk-operator-6d1f0b8e2a4c7395";
  static final String IDE_HASH = HexFormat.of().formatHex(AuthConfig.sha256(IDE_KEY));
  static final String CI_HASH = HexFormat.of().formatHex(AuthConfig.sha256(CI_KEY));
  static final String KEYS = """
      auth:
        mode: keys
        keys:
          - id: ide-extension
            key_sha256: "%s"
            routes: [solo]
          - id: ci
            key_sha256: "%s"
          - id: ops
            key_sha256: "%s"
            admin: true
      """.formatted(IDE_HASH, CI_HASH, HexFormat.of().formatHex(AuthConfig.sha256(OPS_KEY)));

  private static final String OPENAI = "/v1/chat/completions";
  private static final String ANTHROPIC = "/v1/messages";
  private static final String OPENAI_BODY = "{\"model\":\"%s\",\"messages\":[{\"role\":\"user\",\"content\":\"words: 5\"}]}";
  private static final String ANTHROPIC_BODY =
      "{\"model\":\"%s\",\"max_tokens\":100,\"messages\":[{\"role\":\"user\",\"content\":\"words: 5\"}]}";

  private Vertx vertx;
  private GatewayFixture fixture;
  private TestClient client;
  private CapturedLogs logs;

  @BeforeEach
  void logs(Vertx vertx) {
    this.vertx = vertx;
    logs = CapturedLogs.attach();
  }

  @AfterEach
  void stop() {
    logs.detach();
    if (client != null) {
      await(client.close());
    }
    if (fixture != null) {
      await(fixture.close());
    }
  }

  private void start(String extra, boolean peersAreLocal) {
    fixture = await(GatewayFixture.start(vertx, GatewayFixture.MODELS, GatewayFixture.STANDARD, extra, peer -> peersAreLocal));
    client = new TestClient(vertx, fixture.port());
  }

  private Reply openAi(String route, String header, String value) {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    if (header != null) {
      headers.add(header, value);
    }
    return await(client.post(OPENAI, OPENAI_BODY.formatted(route), "application/json", headers));
  }

  private Reply anthropic(String route, String header, String value) {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap().add("anthropic-version", "2023-06-01");
    if (header != null) {
      headers.add(header, value);
    }
    return await(client.post(ANTHROPIC, ANTHROPIC_BODY.formatted(route), "application/json", headers));
  }

  private static void assertOpenAiError(Reply reply, int status, String code) {
    assertThat(reply.status()).as(reply.body().toString()).isEqualTo(status);
    JsonObject error = reply.json().getJsonObject("error");
    assertThat(error.getString("type")).isEqualTo("invalid_request_error");
    assertThat(error.getString("code")).isEqualTo(code);
    assertThat(error.getString("message")).isNotBlank();
  }

  private static void assertAnthropicError(Reply reply, int status, String type) {
    assertThat(reply.status()).as(reply.body().toString()).isEqualTo(status);
    assertThat(reply.json().getString("type")).isEqualTo("error");
    assertThat(reply.json().getJsonObject("error").getString("type")).isEqualTo(type);
    assertThat(reply.json().getJsonObject("error").getString("message")).isNotBlank();
  }

  @Test
  void openAiClientsAreRefusedWithoutTheRightKeyAndServedWithIt() {
    start(KEYS, true);
    assertOpenAiError(openAi("solo", null, null), 401, "invalid_api_key");
    assertOpenAiError(openAi("solo", "authorization", "Bearer sk-client-guess"), 401, "invalid_api_key");
    assertOpenAiError(openAi("solo", "authorization", "Basic " + IDE_KEY), 401, "invalid_api_key");
    assertOpenAiError(openAi("code-reasoning", "authorization", "Bearer " + IDE_KEY), 403, "model_not_allowed");
    Reply ok = openAi("solo", "authorization", "Bearer " + IDE_KEY);
    assertThat(ok.status()).as(ok.body().toString()).isEqualTo(200);
    assertThat(ok.json().getJsonArray("choices")).hasSize(1);
    // A key without an allowlist uses every route; x-api-key works on the OpenAI endpoint too.
    assertThat(openAi("code-reasoning", "x-api-key", CI_KEY).status()).isEqualTo(200);
    assertThat(await(client.get("/metrics")).status()).as("loopback without an operator key").isEqualTo(401);
    assertThat(await(client.getAsOperator("/metrics", OPS_KEY)).body().toString())
        .contains("modelmux_key_requests_total{key=\"ide-extension\",outcome=\"forbidden\"} 1.0")
        .contains("modelmux_key_requests_total{key=\"ide-extension\",outcome=\"ok\"} 1.0");
    assertNoKeyInTheLogs();
  }

  @Test
  void anthropicClientsAreRefusedWithoutTheRightKeyAndServedWithIt() {
    start(KEYS, true);
    assertAnthropicError(anthropic("solo", null, null), 401, "authentication_error");
    assertAnthropicError(anthropic("solo", "x-api-key", "sk-client-guess"), 401, "authentication_error");
    assertAnthropicError(anthropic("code-reasoning", "x-api-key", IDE_KEY), 403, "permission_error");
    Reply ok = anthropic("solo", "x-api-key", IDE_KEY);
    assertThat(ok.status()).as(ok.body().toString()).isEqualTo(200);
    assertThat(ok.json().getString("type")).isEqualTo("message");
    assertThat(anthropic("code-reasoning", "authorization", "Bearer " + CI_KEY).status()).isEqualTo(200);
    assertNoKeyInTheLogs();
  }

  @Test
  void feedbackIsTakenOnlyFromTheKeyThatAsked(@TempDir Path dir) {
    start(KEYS + "interactions: { store: sqlite, path: " + dir.resolve("log.db") + ", flush_ms: 10 }\n", true);
    Reply answer = openAi("solo", "authorization", "Bearer " + IDE_KEY);
    assertThat(answer.status()).isEqualTo(200);
    String feedback = new JsonObject().put("request_id", answer.headers().get("x-request-id")).put("rating", "down").encode();

    Reply other = await(client.post("/v1/feedback", feedback, "application/json",
        MultiMap.caseInsensitiveMultiMap().add("authorization", "Bearer " + CI_KEY)));
    assertThat(other.status()).as("another key cannot vote on the answer, nor learn that it exists").isEqualTo(404);
    assertThat(other.json().getJsonObject("error").getString("param")).isEqualTo("request_id");
    Reply none = await(client.post("/v1/feedback", feedback, "application/json"));
    assertThat(none.status()).isEqualTo(401);

    Reply own = await(client.post("/v1/feedback", feedback, "application/json",
        MultiMap.caseInsensitiveMultiMap().add("authorization", "Bearer " + IDE_KEY)));
    assertThat(own.status()).as(own.body().toString()).isEqualTo(201);
    assertThat(own.json().getString("user")).isEqualTo("ide-extension");
    assertThat(own.json().getString("request_id")).isEqualTo(answer.headers().get("x-request-id"));

    // Clients may choose their request ids: another key reusing this one gets an answer of its own, logged apart, and
    // can vote on that, not learn from it whether the id was taken.
    String id = answer.headers().get("x-request-id");
    Reply reused = await(client.post(OPENAI, OPENAI_BODY.formatted("solo"), "application/json",
        MultiMap.caseInsensitiveMultiMap().add("authorization", "Bearer " + CI_KEY).add("x-request-id", id)));
    assertThat(reused.status()).isEqualTo(200);
    assertThat(reused.headers().get("x-request-id")).isEqualTo(id);
    Reply theirs = await(client.post("/v1/feedback", feedback, "application/json",
        MultiMap.caseInsensitiveMultiMap().add("authorization", "Bearer " + CI_KEY)));
    assertThat(theirs.status()).as("the id's answer for this key").isEqualTo(201);
    var log = fixture.gateway.interactions();
    assertThat(await(log.store().find("ide-extension " + id)).getJsonArray("feedback")).hasSize(1);
    assertThat(await(log.store().find("ci " + id)).getString("client_key")).isEqualTo("ci");
  }

  @Test
  void theAccessLogNamesTheKeyById() {
    start(KEYS, true);
    assertThat(openAi("solo", "authorization", "Bearer " + IDE_KEY).status()).isEqualTo(200);
    assertThat(openAi("code-reasoning", "authorization", "Bearer " + IDE_KEY).status()).isEqualTo(403);
    assertThat(openAi("solo", "authorization", "Bearer wrong").status()).isEqualTo(401);
    List<String> access = logs.events.stream().filter(e -> e.getLoggerName().equals("modelmux.access"))
        .map(e -> e.getFormattedMessage()).toList();
    assertThat(access).anyMatch(l -> l.contains("status=200") && l.contains("outcome=ok") && l.contains("key=ide-extension"));
    assertThat(access).anyMatch(l -> l.contains("status=403") && l.contains("outcome=forbidden") && l.contains("key=ide-extension"));
    assertThat(access).anyMatch(l -> l.contains("status=401") && l.contains("outcome=invalid_key") && l.contains("key=-"));
    assertNoKeyInTheLogs();
  }

  @Test
  void theModelListNeedsAKeyToo() {
    start(KEYS, true);
    Reply refused = await(client.get("/v1/models"));
    assertOpenAiError(refused, 401, "invalid_api_key");
    Reply listed = await(client.onContext(() -> client.http().request(new RequestOptions().setMethod(HttpMethod.GET)
            .setHost("127.0.0.1").setPort(fixture.port()).setURI("/v1/models").putHeader("x-api-key", CI_KEY)
            .putHeader("anthropic-version", "2023-06-01"))
        .compose(req -> req.send())
        .compose(resp -> resp.body().map(b -> new Reply(resp.statusCode(), resp.headers(), b)))));
    assertThat(listed.status()).isEqualTo(200);
    assertThat(ids(listed)).contains("solo", "code-reasoning");
    assertThat(ids(listModels(IDE_KEY))).as("a key sees only the routes it may use").containsExactly("solo");
  }

  private Reply listModels(String key) {
    return await(client.onContext(() -> client.http().request(new RequestOptions().setMethod(HttpMethod.GET)
            .setHost("127.0.0.1").setPort(fixture.port()).setURI("/v1/models").putHeader("authorization", "Bearer " + key))
        .compose(req -> req.send())
        .compose(resp -> resp.body().map(b -> new Reply(resp.statusCode(), resp.headers(), b)))));
  }

  private static List<String> ids(Reply list) {
    return list.json().getJsonArray("data").stream().map(m -> ((JsonObject) m).getString("id")).toList();
  }

  @Test
  void withoutAnAuthSectionOnlyLoopbackClientsAreServed() {
    start("", false);
    Reply openAi = openAi("solo", "authorization", "Bearer anything");
    assertOpenAiError(openAi, 401, "auth_not_configured");
    assertThat(openAi.json().getJsonObject("error").getString("message")).contains("not configured");
    Reply anthropic = anthropic("solo", "x-api-key", "anything");
    assertAnthropicError(anthropic, 401, "authentication_error");
    assertThat(anthropic.json().getJsonObject("error").getString("message")).contains("not configured");
    assertThat(await(client.get("/v1/models")).status()).isEqualTo(401);
    assertThat(await(client.get("/health/live")).status()).isEqualTo(200);
    assertThat(logs.events).filteredOn(e -> e.getLevel().toString().equals("WARN")
        && e.getFormattedMessage().contains("protected mode")).hasSize(1);
  }

  @Test
  void withoutAnAuthSectionALoopbackClientIsServedWithAnyKey() {
    fixture = await(GatewayFixture.start(vertx, GatewayFixture.MODELS, GatewayFixture.STANDARD, ""));
    client = new TestClient(vertx, fixture.port());
    assertThat(openAi("solo", "authorization", "Bearer anything").status()).isEqualTo(200);
    assertThat(anthropic("solo", null, null).status()).isEqualTo(200);
  }

  @Test
  void modeNoneServesRemoteClientsWithoutAKey() {
    start("auth: { mode: none }\n", false);
    assertThat(openAi("solo", null, null).status()).isEqualTo(200);
    assertThat(anthropic("code-reasoning", "x-api-key", "anything").status()).isEqualTo(200);
  }

  @Test
  void keysAreComparedByDigest() {
    ClientKey ide = new ClientKey("ide", AuthConfig.sha256(IDE_KEY), Set.of());
    ClientKey ci = new ClientKey("ci", AuthConfig.sha256(CI_KEY), Set.of("solo"));
    assertThat(ide.matches(AuthConfig.sha256(IDE_KEY))).isTrue();
    assertThat(ide.matches(AuthConfig.sha256(IDE_KEY + " "))).isFalse();
    assertThat(ide.matches(new byte[0])).isFalse();
    assertThat(ClientAuth.identify(List.of(ide, ci), List.of(CI_KEY))).isSameAs(ci);
    assertThat(ClientAuth.identify(List.of(ide, ci), List.of("nope", IDE_KEY))).isSameAs(ide);
    assertThat(ClientAuth.identify(List.of(ide, ci), List.of("nope"))).isNull();
    assertThat(ClientAuth.identify(List.of(ide, ci), List.of())).isNull();
    assertThat(ide.toString()).doesNotContain(IDE_HASH).doesNotContain(IDE_KEY);
  }

  /** The comparison is MessageDigest.isEqual (constant time), and nothing on the key path compares bytes or strings early-exit. */
  @Test
  void theComparisonIsConstantTime() {
    var classes = new ClassFileImporter().importClasses(ClientKey.class, ClientAuth.class);
    JavaClass key = classes.get(ClientKey.class);
    assertThat(key.getMethod("matches", byte[].class).getMethodCallsFromSelf())
        .extracting(JavaMethodCall::getTarget)
        .anyMatch(t -> t.getOwner().isEquivalentTo(MessageDigest.class) && t.getName().equals("isEqual"));
    for (JavaClass c : classes) {
      assertThat(c.getMethodCallsFromSelf()).extracting(JavaMethodCall::getTarget)
          .noneMatch(t -> t.getOwner().getName().equals("java.util.Arrays") && t.getName().equals("equals"));
    }
  }

  @Test
  void loopbackMeansOnlyLoopbackAddresses() {
    for (String local : List.of("127.0.0.1", "127.8.9.10", "::1", "0:0:0:0:0:0:0:1", "::ffff:127.0.0.1")) {
      assertThat(ClientAuth.LOOPBACK.test(SocketAddress.inetSocketAddress(5000, local))).as(local).isTrue();
    }
    for (String remote : List.of("10.0.0.1", "192.168.1.20", "128.0.0.1", "::2", "fe80::1", "::ffff:10.0.0.1", "localhost")) {
      assertThat(ClientAuth.LOOPBACK.test(SocketAddress.inetSocketAddress(5000, remote))).as(remote).isFalse();
    }
    assertThat(ClientAuth.LOOPBACK.test(null)).isFalse();
  }

  private void assertNoKeyInTheLogs() {
    assertThat(logs.events).isNotEmpty();
    for (var event : logs.events) {
      String line = event.getFormattedMessage() + (event.getThrowableProxy() == null ? "" : event.getThrowableProxy().getMessage());
      for (String secret : List.of(IDE_KEY, CI_KEY, IDE_HASH, CI_HASH, IDE_KEY.substring(10), IDE_HASH.substring(0, 16))) {
        assertThat(line).doesNotContainIgnoringCase(secret);
      }
    }
  }
}
