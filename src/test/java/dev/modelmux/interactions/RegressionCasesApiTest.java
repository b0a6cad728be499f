package dev.modelmux.interactions;

import static dev.modelmux.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.modelmux.eval.EvalCase;
import dev.modelmux.eval.EvalCases;
import dev.modelmux.testing.GatewayFixture;
import dev.modelmux.testing.TestClient;
import dev.modelmux.testing.TestClient.Reply;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Regression cases from the review API (issue 24, items 5 and 9): a call the secret guard redacted is drafted with a
 * placeholder per secret, refused until each holds a made-up value the guard finds as the same kind, and then
 * reproduces the call; a call that cannot become a case says why; the cases made are listed, marked known failing (as
 * eval reads it) and removed; the risk score comes with what it is made of.
 */
@ExtendWith(VertxExtension.class)
class RegressionCasesApiTest {
  private static final String SECRET = "hunter2-not-real";

  @TempDir
  Path dir;
  private GatewayFixture fixture;
  private TestClient client;

  @BeforeEach
  void start(Vertx vertx) throws IOException {
    Files.createDirectories(dir.resolve("prompts/leaks"));
    Files.writeString(dir.resolve("prompts/leaks/task.yaml"), "route: code\nvariables: { code: { required: true } }\nguard: { secrets: redact }\n");
    Files.writeString(dir.resolve("prompts/leaks/default.yaml"), "match: default\nmessages:\n  - { role: user, content: \"say: findings:"
        + "{{#findings}} {{rule}} in {{where}}{{/findings}}{{^findings}} none{{/findings}}\" }\n");
    String extra = "interactions: { store: sqlite, path: " + dir.resolve("log.db") + ", flush_ms: 10 }\n"
        + "prompts: { dir: " + dir.resolve("prompts") + " }\n";
    fixture = await(GatewayFixture.start(vertx, GatewayFixture.CROSS_MODELS, InteractionLogTest.DEPLOYMENTS, extra));
    client = new TestClient(vertx, fixture.port());
  }

  @AfterEach
  void stop() {
    await(client.close());
    await(fixture.close());
  }

  private Reply callTask(JsonObject variables) {
    return await(client.postJson("/v1/chat/completions", new JsonObject().put("model", "task:leaks").put("variables", variables)));
  }

  private String stored(Reply reply) {
    assertThat(reply.status()).as(reply.body().toString()).isEqualTo(200);
    String id = reply.headers().get("x-request-id");
    await(fixture.gateway.interactions().stored(id));
    return id;
  }

  private static String answer(Reply reply) {
    return reply.json().getJsonArray("choices").getJsonObject(0).getJsonObject("message").getString("content");
  }

  private Reply make(String id, String yaml) {
    return await(client.postJson("/admin/review/cases/" + id + "/regression", new JsonObject().put("yaml", yaml)));
  }

  private Reply send(HttpMethod method, String path, JsonObject body) {
    RequestOptions options = new RequestOptions().setMethod(method).setURI(path).setPort(fixture.port()).setHost("127.0.0.1")
        .putHeader("content-type", "application/json");
    return await(client.onContext(() -> client.http().request(options).compose(req -> req.send(body == null ? "" : body.encode()))
        .compose(resp -> resp.body().map(b -> new Reply(resp.statusCode(), resp.headers(), b)))));
  }

  @Test
  void aRedactedCallIsDraftedWithPlaceholdersAndSavedOnlyWhenItReproducesTheCall() throws IOException {
    Reply original = callTask(new JsonObject().put("code", "connect(\"postgres://app:" + SECRET + "@db.internal/orders\")"));
    String id = stored(original);
    assertThat(answer(original)).isEqualTo("findings: password-in-url in variables.code");

    JsonObject found = await(client.get("/admin/review/cases/" + id)).json();
    String draft = found.getString("suggested_case");
    assertThat(draft).doesNotContain("[REDACTED").doesNotContain(SECRET)
        .contains("<<FILL IN: made-up password-in-url (a password in a URL), not the real one>>");
    assertThat(found.getJsonObject("regression").getJsonArray("placeholders")).containsExactly(new JsonObject()
        .put("variable", "code").put("rule", "password-in-url").put("description", "a password in a URL"));

    Reply unfilled = make(id, draft);
    assertThat(unfilled.status()).isEqualTo(400);
    assertThat(unfilled.json().getJsonObject("error").getString("message")).contains("variables.code still has a placeholder");
    Reply redacted = make(id, draft.replaceAll("<<FILL IN[^>]*>>", "[REDACTED:password-in-url]"));
    assertThat(redacted.status()).isEqualTo(400);
    assertThat(redacted.json().getJsonObject("error").getString("message")).contains("holds a redacted value");
    Reply notASecret = make(id, draft.replaceAll("<<FILL IN[^>]*>>", "x"));
    assertThat(notASecret.status()).isEqualTo(400);
    assertThat(notASecret.json().getJsonObject("error").getString("message"))
        .contains("the guard finds no secret in it, but the call had password-in-url there");
    assertThat(dir.resolve("prompts/leaks/tests")).doesNotExist();

    Reply saved = make(id, draft.replaceAll("<<FILL IN[^>]*>>", "made-up-pw-7"));
    assertThat(saved.status()).as(saved.body().toString()).isEqualTo(201);
    List<EvalCase> cases = EvalCases.load(dir.resolve("prompts/leaks"), "leaks");
    assertThat(cases).hasSize(1);
    Reply replayed = callTask(cases.get(0).variables());
    assertThat(answer(replayed)).as("eval sends the model what the call sent it").isEqualTo(answer(original));
  }

  @Test
  void theCasesMadeAreListedMarkedKnownFailingAndRemoved() throws IOException {
    String id = stored(callTask(new JsonObject().put("code", "x = 1")));
    String path = URLEncoder.encode(id, StandardCharsets.UTF_8).replace("+", "%20");
    assertThat(await(client.get("/admin/review/regressions")).json().getJsonArray("regressions")).isEmpty();
    String draft = await(client.get("/admin/review/cases/" + path)).json().getString("suggested_case");
    assertThat(make(path, draft).status()).isEqualTo(201);

    JsonArray listed = await(client.get("/admin/review/regressions")).json().getJsonArray("regressions");
    assertThat(listed).hasSize(1);
    JsonObject entry = listed.getJsonObject(0);
    assertThat(entry.getString("request_id")).isEqualTo(id);
    assertThat(entry.getString("task")).isEqualTo("leaks");
    assertThat(entry.getBoolean("exists")).isTrue();
    assertThat(entry.getJsonArray("cases")).containsExactly("review " + id);
    assertThat(entry.getString("known_failing")).isNull();
    Path file = dir.resolve("prompts").resolve(entry.getString("file"));

    assertThat(send(HttpMethod.POST, "/admin/review/regressions/" + path + "/known-failing", new JsonObject().put("reason", " ")).status())
        .isEqualTo(400);
    Reply marked = send(HttpMethod.POST, "/admin/review/regressions/" + path + "/known-failing",
        new JsonObject().put("reason", "answers vary; ticket 31"));
    assertThat(marked.status()).as(marked.body().toString()).isEqualTo(200);
    assertThat(EvalCases.load(dir.resolve("prompts/leaks"), "leaks")).singleElement()
        .satisfies(c -> assertThat(c.knownFailing()).isEqualTo("answers vary; ticket 31"));
    assertThat(await(client.get("/admin/review/regressions")).json().getJsonArray("regressions").getJsonObject(0)
        .getString("known_failing")).isEqualTo("answers vary; ticket 31");
    assertThat(send(HttpMethod.POST, "/admin/review/regressions/" + path + "/known-failing", new JsonObject().putNull("reason"))
        .status()).isEqualTo(200);
    assertThat(EvalCases.load(dir.resolve("prompts/leaks"), "leaks")).singleElement().satisfies(c -> assertThat(c.knownFailing()).isNull());

    Reply removed = send(HttpMethod.DELETE, "/admin/review/regressions/" + path, null);
    assertThat(removed.status()).as(removed.body().toString()).isEqualTo(200);
    assertThat(file).doesNotExist();
    assertThat(await(client.get("/admin/review/regressions")).json().getJsonArray("regressions")).isEmpty();
    assertThat(send(HttpMethod.DELETE, "/admin/review/regressions/" + path, null).status()).isEqualTo(404);
    assertThat(send(HttpMethod.DELETE, "/admin/review/regressions/nobody", null).status()).isEqualTo(404);
    assertThat(make(path, draft).status()).as("made again once removed").isEqualTo(201);
  }

  @Test
  void aListedCaseWhoseFileIsGoneOrNotACaseFileCanBeClearedAndItsFileIsLeftAlone() throws IOException {
    String gone = stored(callTask(new JsonObject().put("code", "x = 1")));
    assertThat(make(gone, await(client.get("/admin/review/cases/" + gone)).json().getString("suggested_case")).status()).isEqualTo(201);
    Files.delete(dir.resolve("prompts").resolve(await(client.get("/admin/review/regressions")).json().getJsonArray("regressions")
        .getJsonObject(0).getString("file")));
    Reply marked = send(HttpMethod.POST, "/admin/review/regressions/" + gone + "/known-failing", new JsonObject().put("reason", "flaky"));
    assertThat(marked.status()).isEqualTo(404);
    assertThat(marked.json().getJsonObject("error").getString("message")).contains("is gone");
    Reply cleared = send(HttpMethod.DELETE, "/admin/review/regressions/" + gone, null);
    assertThat(cleared.status()).as(cleared.body().toString()).isEqualTo(200);
    assertThat(cleared.json().getBoolean("was_there")).isFalse();

    String handWritten = stored(callTask(new JsonObject().put("code", "y = 2")));
    Path suite = dir.resolve("prompts/leaks/tests/smoke.yaml");
    Files.createDirectories(suite.getParent());
    Files.writeString(suite, "- name: smoke\n  variables: { code: z }\n  assert: [{ contains: z }]\n");
    await(new Reviews(fixture.gateway.interactions().store()).regressionMade(handWritten, "leaks/tests/smoke.yaml", System.currentTimeMillis()));
    JsonObject listed = await(client.get("/admin/review/regressions")).json().getJsonArray("regressions").getJsonObject(0);
    assertThat(listed.getString("request_id")).isEqualTo(handWritten);
    assertThat(listed.getBoolean("exists")).isFalse();
    Reply refused = send(HttpMethod.POST, "/admin/review/regressions/" + handWritten + "/known-failing", new JsonObject().put("reason", "x"));
    assertThat(refused.status()).isEqualTo(409);
    assertThat(refused.json().getJsonObject("error").getString("message")).contains("not a case file the review page made");
    Reply clearedRow = send(HttpMethod.DELETE, "/admin/review/regressions/" + handWritten, null);
    assertThat(clearedRow.status()).as(clearedRow.body().toString()).isEqualTo(200);
    assertThat(clearedRow.json().getBoolean("was_there")).isFalse();
    assertThat(suite).as("a file the page did not make is never deleted").exists();
    assertThat(await(client.get("/admin/review/regressions")).json().getJsonArray("regressions")).isEmpty();
  }

  @Test
  void anUnavailableInteractionLogAnswers503AndSaysWhetherTheFileWasDeleted() throws IOException {
    String id = stored(callTask(new JsonObject().put("code", "x = 1")));
    assertThat(make(id, await(client.get("/admin/review/cases/" + id)).json().getString("suggested_case")).status()).isEqualTo(201);
    Path file = dir.resolve("prompts").resolve(await(client.get("/admin/review/regressions")).json().getJsonArray("regressions")
        .getJsonObject(0).getString("file"));
    InteractionStore store = fixture.gateway.interactions().store();

    await(store.update("ALTER TABLE reviews RENAME TO reviews_away", List.of()));
    Reply unread = send(HttpMethod.POST, "/admin/review/regressions/" + id + "/known-failing", new JsonObject().put("reason", "flaky"));
    assertThat(unread.status()).as(unread.body().toString()).isEqualTo(503);
    assertThat(unread.json().getJsonObject("error").getString("message")).contains("interaction log is unavailable");
    assertThat(send(HttpMethod.DELETE, "/admin/review/regressions/" + id, null).status()).isEqualTo(503);
    assertThat(file).exists();
    await(store.update("ALTER TABLE reviews_away RENAME TO reviews", List.of()));

    await(store.update("CREATE TRIGGER no_updates BEFORE UPDATE ON reviews BEGIN SELECT RAISE(ABORT, 'disk full'); END", List.of()));
    Reply halfDone = send(HttpMethod.DELETE, "/admin/review/regressions/" + id, null);
    assertThat(halfDone.status()).as(halfDone.body().toString()).isEqualTo(503);
    assertThat(halfDone.json().getJsonObject("error").getString("message")).contains("was deleted, but the interaction log could not note it");
    assertThat(file).doesNotExist();
    await(store.update("DROP TRIGGER no_updates", List.of()));
    Reply cleared = send(HttpMethod.DELETE, "/admin/review/regressions/" + id, null);
    assertThat(cleared.status()).as(cleared.body().toString()).isEqualTo(200);
    assertThat(await(client.get("/admin/review/regressions")).json().getJsonArray("regressions")).isEmpty();
  }

  @Test
  void aCallThatCannotBecomeACaseSaysWhyAndTheRiskScoreSaysWhatItIsMadeOf() {
    Reply plain = await(client.postJson("/v1/chat/completions", new JsonObject().put("model", "code")
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "say: hi")))));
    String id = stored(plain);
    JsonObject found = await(client.get("/admin/review/cases/" + id)).json();
    assertThat(found.getString("suggested_case")).isNull();
    assertThat(found.getJsonObject("regression").getBoolean("possible")).isFalse();
    assertThat(found.getJsonObject("regression").getString("reason")).contains("did not name a task");
    assertThat(make(id, "- name: x\n  assert: [{ contains: x }]\n").status()).isEqualTo(409);

    String leaked = stored(callTask(new JsonObject().put("code", "connect(\"postgres://app:" + SECRET + "@db/x\")")));
    assertThat(await(client.postJson("/v1/feedback", new JsonObject().put("request_id", leaked).put("rating", "down")
        .put("hallucination", true))).status()).isEqualTo(201);
    JsonObject queued = await(client.get("/admin/review/cases")).json().getJsonArray("cases").stream().map(JsonObject.class::cast)
        .filter(c -> c.getString("request_id").equals(leaked)).findFirst().orElseThrow();
    assertThat(queued.getLong("risk")).isEqualTo(115);
    assertThat(queued.getJsonArray("risk_signals")).containsExactly(
        new JsonObject().put("signal", "hallucination flags").put("count", 1).put("weight", 100).put("points", 100),
        new JsonObject().put("signal", "down-votes").put("count", 1).put("weight", 10).put("points", 10),
        new JsonObject().put("signal", "secret guard findings").put("count", 1).put("weight", 5).put("points", 5));
  }
}
