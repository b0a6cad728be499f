package dev.modelmux.interactions;

import static dev.modelmux.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.modelmux.core.Dialect;
import dev.modelmux.spi.Interaction;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What every store does, run against each real one (SQLite file, PostgreSQL server): same schema, same answers. */
abstract class InteractionStoreContract {
  static final long DAY = 86_400_000L;
  static final long NOW = 1_796_000_000_000L; // 2026-11-30

  private Vertx vertx;
  private InteractionStore store;

  /** Opens the store under test, empty. */
  abstract Future<InteractionStore> open(Vertx vertx);

  @BeforeEach
  void openStore() {
    vertx = Vertx.vertx();
    store = await(open(vertx));
  }

  @AfterEach
  void closeStore() {
    await(store.close());
    await(vertx.close());
  }

  InteractionStore store() {
    return store;
  }

  static Interaction interaction(String id, long at, String route, String deployment, String key, long in, long out, double cost) {
    JsonObject request = new JsonObject().put("model", route)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "explain " + id)));
    Buffer answer = new JsonObject().put("choices", new JsonArray().add(new JsonObject()
        .put("message", new JsonObject().put("role", "assistant").put("content", "answer to " + id)).put("finish_reason", "stop")))
        .toBuffer();
    return new Interaction(id, at, Dialect.OPENAI, false, route, key, "explain-code", "explain-code/gpt-4@abcdef1", deployment,
        List.of(new Interaction.Attempt("primary", "overloaded"), new Interaction.Attempt(deployment, "ok")), 200, "ok", 0,
        List.of("password-in-url"), request, answer, in, out, cost, 120, 900, new JsonObject().put("language", "Java").put("code", "x++"),
        "Sure! <answer>answer to " + id + "</answer>", null, null);
  }

  static InteractionRow row(Interaction i, double weight) {
    return InteractionRows.of(i, true, weight);
  }

  @Test
  void anInteractionIsStoredWithItsChainContentAndCost() {
    await(store().write(List.of(row(interaction("r1", NOW, "code", "gpt4-a", "ide", 100, 20, 0.0042), 1.0))));
    await(store().write(List.of(row(interaction("r1", NOW, "other", "x", "y", 1, 1, 9), 1.0)))); // a second write of an id is ignored
    JsonObject found = await(store().find("r1"));
    assertThat(found.getString("route")).isEqualTo("code");
    assertThat(found.getString("prompt")).isEqualTo("explain-code/gpt-4@abcdef1");
    assertThat(found.getJsonArray("attempts")).containsExactly(new JsonObject().put("deployment", "primary").put("outcome", "overloaded"),
        new JsonObject().put("deployment", "gpt4-a").put("outcome", "ok"));
    assertThat(found.getString("output")).isEqualTo("answer to r1");
    assertThat(found.getString("output_raw")).isEqualTo("Sure! <answer>answer to r1</answer>");
    assertThat(found.getString("finish_reason")).isEqualTo("stop");
    assertThat(found.getJsonObject("request_body").getJsonArray("messages")).hasSize(1);
    assertThat(found.getJsonArray("guard_findings")).containsExactly("password-in-url");
    assertThat(found.getBoolean("stream")).isFalse();
    assertThat(found.getDouble("cost_usd")).isEqualTo(0.0042);
    assertThat(found.getLong("prompt_tokens")).isEqualTo(100);
    assertThat(found.getString("day")).isEqualTo("2026-11-30");
    assertThat(found.getJsonArray("feedback")).isEmpty();
    assertThat(await(store().find("nope"))).isNull();
  }

  @Test
  void withoutContentOnlyHashesAndSizesAreKept() {
    await(store().write(List.of(InteractionRows.of(interaction("r2", NOW, "code", "d", null, 1, 1, 0), false, 1.0))));
    JsonObject found = await(store().find("r2"));
    assertThat(found.getValue("request_body")).isNull();
    assertThat(found.getValue("output")).isNull();
    assertThat(found.getValue("output_raw")).isNull();
    assertThat(found.getString("output_sha256")).hasSize(64);
    assertThat(found.getLong("output_chars")).isEqualTo("answer to r2".length());
  }

  @Test
  void onlyTheClientKeyThatAskedMayGiveFeedback() {
    await(store().write(List.of(row(interaction("keyed", NOW, "code", "d", "ide-extension", 1, 1, 0), 1.0))));
    Feedback vote = new Feedback("keyed", "ana", "down", true, new JsonArray(), null, null, NOW);
    assertThat(await(store().feedback(vote, "ci"))).as("another key's answer").isFalse();
    assertThat(await(store().feedback(vote, null))).as("no key").isFalse();
    assertThat(await(store().find("keyed")).getJsonArray("feedback")).isEmpty();
    assertThat(await(store().feedback(vote, "ide-extension"))).isTrue();
    assertThat(await(store().find("keyed")).getJsonArray("feedback")).hasSize(1);
  }

  @Test
  void oneVotePerUserAndRequestASecondReplacesTheFirst() {
    await(store().write(List.of(row(interaction("r3", NOW, "code", "d", null, 1, 1, 0), 1.0))));
    assertThat(await(store().feedback(new Feedback("r3", "ana", "up", false, new JsonArray(), null, null, NOW), null))).isTrue();
    assertThat(await(store().feedback(new Feedback("r3", "bo", "down", false, new JsonArray(), null, "meh", NOW + 1), null))).isTrue();
    JsonArray spans = new JsonArray().add(new JsonObject().put("start", 0).put("end", 6));
    assertThat(await(store().feedback(new Feedback("r3", "ana", "down", true, spans, "the real answer", null, NOW + 2), null))).isTrue();
    assertThat(await(store().feedback(new Feedback("unknown", "ana", "up", false, new JsonArray(), null, null, NOW), null))).isFalse();
    JsonArray feedback = await(store().find("r3")).getJsonArray("feedback");
    assertThat(feedback).hasSize(2);
    JsonObject ana = feedback.stream().map(JsonObject.class::cast).filter(f -> f.getString("user_name").equals("ana")).findFirst().orElseThrow();
    assertThat(ana.getString("rating")).isEqualTo("down");
    assertThat(ana.getBoolean("hallucination")).isTrue();
    assertThat(ana.getJsonArray("spans")).isEqualTo(spans);
    assertThat(ana.getString("correction")).isEqualTo("the real answer");
  }

  @Test
  void costsAreSummedPerGroupAndScaledBySampling() {
    await(store().write(List.of(
        row(interaction("c1", NOW - 2 * DAY, "code", "gpt4-a", "ide", 1000, 100, 0.036), 1.0),
        row(interaction("c2", NOW - DAY, "code", "gpt4-b", "ide", 2000, 200, 0.072), 1.0),
        row(interaction("c3", NOW - DAY, "chat", "gpt35", "ci", 500, 50, 0.0004), 4.0), // recorded at sample 0.25
        row(interaction("old", NOW - 40 * DAY, "code", "gpt4-a", "ide", 9, 9, 5.0), 1.0))));
    assertThat(await(store().costs(NOW - 30 * DAY, CostGroup.ROUTE)).encode()).isEqualTo("["
        + "{\"route\":\"code\",\"requests\":2,\"prompt_tokens\":3000,\"completion_tokens\":300,\"cost_usd\":0.108000},"
        + "{\"route\":\"chat\",\"requests\":4,\"prompt_tokens\":2000,\"completion_tokens\":200,\"cost_usd\":0.001600}]");
    assertThat(await(store().costs(NOW - 30 * DAY, CostGroup.DAY)).stream().map(r -> ((JsonObject) r).getString("day")))
        .containsExactlyInAnyOrder("2026-11-28", "2026-11-29");
    JsonArray byKey = await(store().costs(0, CostGroup.KEY));
    assertThat(byKey.getJsonObject(0).encode())
        .isEqualTo("{\"key\":\"ide\",\"requests\":3,\"prompt_tokens\":3009,\"completion_tokens\":309,\"cost_usd\":5.108000}");
  }

  @Test
  void costRowsCountWholeRequestsAndTokensRoundMoneyToMicrodollarsAndLabelTheRowWithoutAValue() {
    await(store().write(List.of(
        row(interaction("k1", NOW - DAY, "code", "gpt4-a", "ide", 10, 1, 0.1), 1.0),
        row(interaction("n1", NOW - DAY, "code", "gpt4-a", null, 1000, 100, 0.0178459), 10.0 / 3), // recorded at sample 0.3
        row(interaction("n2", NOW - DAY, "code", null, null, 7, 0, 0.0), 1.0)))); // refused before any deployment
    assertThat(await(store().costs(0, CostGroup.KEY)).encode()).isEqualTo("["
        + "{\"key\":\"ide\",\"requests\":1,\"prompt_tokens\":10,\"completion_tokens\":1,\"cost_usd\":0.100000},"
        + "{\"key\":\"(no key)\",\"requests\":4,\"prompt_tokens\":3340,\"completion_tokens\":333,\"cost_usd\":0.059486}]");
    assertThat(await(store().costs(0, CostGroup.DEPLOYMENT)).encode()).isEqualTo("["
        + "{\"deployment\":\"gpt4-a\",\"requests\":4,\"prompt_tokens\":3343,\"completion_tokens\":334,\"cost_usd\":0.159486},"
        + "{\"deployment\":\"(no deployment)\",\"requests\":1,\"prompt_tokens\":7,\"completion_tokens\":0,\"cost_usd\":0.000000}]");
  }

  /** Eval traffic (an operator-tagged eval --url call) is stored with its run, and counts in costs and review only when asked. */
  @Test
  void evalTrafficIsStoredWithItsRunAndLeftOutOfCostsAndReviewUnlessIncluded() {
    Interaction plain = interaction("plain", NOW - DAY, "code", "gpt4-a", "ide", 10, 1, 0.1);
    Interaction tagged = interaction("tagged", NOW - DAY, "code", "gpt4-a", "ops", 20, 2, 0.2);
    tagged = new Interaction(tagged.requestId(), tagged.startedAtMs(), tagged.dialect(), tagged.stream(), tagged.route(), tagged.clientKey(),
        tagged.task(), tagged.prompt(), tagged.deployment(), tagged.attempts(), tagged.status(), tagged.outcome(), tagged.tokensTrimmed(),
        tagged.guardFindings(), tagged.request(), tagged.answer(), tagged.promptTokens(), tagged.completionTokens(), tagged.costUsd(),
        tagged.ttftMs(), tagged.totalMs(), tagged.variables(), tagged.rawOutput(), tagged.providerAnnotations(), "eval-run-7");
    await(store().write(List.of(row(plain, 1.0), row(tagged, 1.0))));
    assertThat(await(store().find("tagged")).getString("eval_run")).isEqualTo("eval-run-7");
    assertThat(await(store().find("plain")).getValue("eval_run")).isNull();
    assertThat(await(store().costs(0, CostGroup.KEY)).stream().map(r -> ((JsonObject) r).getString("key"))).containsExactly("ide");
    assertThat(await(store().costs(0, CostGroup.KEY, true)).stream().map(r -> ((JsonObject) r).getString("key")))
        .containsExactly("ops", "ide");
    Reviews reviews = new Reviews(store());
    assertThat(await(reviews.queue(new Reviews.Filter(null, null, null, null, null, null))).stream()
        .map(c -> ((JsonObject) c).getString("request_id"))).containsExactly("plain");
    assertThat(await(reviews.queue(new Reviews.Filter(null, null, null, null, null, null, true))).stream()
        .map(c -> ((JsonObject) c).getString("request_id"))).containsExactlyInAnyOrder("plain", "tagged");
  }

  @Test
  void retentionForgetsOldInteractionsWithTheirFeedback() {
    await(store().write(List.of(row(interaction("keep", NOW, "code", "d", null, 1, 1, 0), 1.0),
        row(interaction("forget", NOW - 31 * DAY, "code", "d", null, 1, 1, 0), 1.0))));
    await(store().feedback(new Feedback("forget", "ana", "up", false, new JsonArray(), null, null, NOW), null));
    assertThat(await(store().forgetBefore(NOW - 30 * DAY))).isEqualTo(1);
    assertThat(await(store().find("forget"))).isNull();
    assertThat(await(store().find("keep"))).isNotNull();
    assertThat(await(store().feedback(new Feedback("forget", "ana", "up", false, new JsonArray(), null, null, NOW), null))).isFalse();
  }

  @Test
  void theReviewQueueIsOrderedByRiskFilteredAndCountedPerReviewer() {
    Interaction flagged = interaction("flagged", NOW, "code", "gpt4-a", null, 1, 1, 0);
    Interaction downVoted = interaction("downvoted", NOW - 1, "code", "gpt35", null, 1, 1, 0);
    await(store().write(List.of(row(flagged, 1.0), row(downVoted, 1.0))));
    await(store().feedback(new Feedback("flagged", "ana", null, true, new JsonArray(), null, null, NOW), null));
    await(store().feedback(new Feedback("downvoted", "bo", "down", false, new JsonArray(), null, null, NOW), null));
    Reviews reviews = new Reviews(store());

    JsonArray queue = await(reviews.queue(new Reviews.Filter(null, null, null, null, null, null)));
    assertThat(queue.stream().map(c -> ((JsonObject) c).getString("request_id"))).startsWith("flagged", "downvoted");
    assertThat(queue.getJsonObject(0).getJsonArray("reasons")).contains("hallucination", "guardrail");
    assertThat(await(reviews.queue(new Reviews.Filter(null, null, "gpt35", "java", null, null)))).hasSize(1);
    assertThat(await(reviews.queue(new Reviews.Filter(null, "gpt-4", null, null, null, null)))).hasSize(2);
    assertThat(await(reviews.queue(new Reviews.Filter(null, null, null, "rust", null, null)))).isEmpty();

    assertThat(await(reviews.judge("flagged", new Reviews.Verdict("confirmed_hallucination", null, "made up", "cy"), NOW))).isTrue();
    assertThat(await(reviews.judge("downvoted", new Reviews.Verdict(null, null, null, "cy"), NOW))).isTrue();
    assertThat(await(reviews.judge("missing", new Reviews.Verdict("fine", null, null, "cy"), NOW))).isFalse();
    assertThat(await(reviews.queue(new Reviews.Filter(null, null, null, null, "pending", null))).stream()
        .map(c -> ((JsonObject) c).getString("request_id"))).containsExactly("downvoted");
    assertThat(await(reviews.reviewers())).containsExactly(new JsonObject().put("assignee", "cy").put("done", 1).put("pending", 1));
    await(reviews.regressionMade("flagged", "explain-code/tests/review-flagged.yaml", NOW));
    assertThat(await(reviews.get("flagged")).getJsonObject("review").getString("regression_file"))
        .isEqualTo("explain-code/tests/review-flagged.yaml");
  }

  @Test
  void anOldFlaggedCaseStaysAtTheHeadOfALongQueue() {
    List<InteractionRow> newer = new ArrayList<>();
    for (int i = 0; i < 520; i++) {
      newer.add(row(interaction("n" + i, NOW + i, "code", "d", null, 1, 1, 0), 1.0)); // each has a guard finding: all queued
    }
    await(store().write(newer));
    await(store().write(List.of(row(interaction("old-flag", NOW - DAY, "code", "d", null, 1, 1, 0), 1.0))));
    await(store().feedback(new Feedback("old-flag", "ana", null, true, new JsonArray(), null, null, NOW), null));
    JsonArray queue = await(new Reviews(store()).queue(new Reviews.Filter(null, null, null, null, null, null)));
    assertThat(queue.getJsonObject(0).getString("request_id")).isEqualTo("old-flag");
  }
}
