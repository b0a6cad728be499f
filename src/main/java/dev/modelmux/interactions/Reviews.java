package dev.modelmux.interactions;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The human review of recorded answers: a queue ordered by risk (hallucination flags, down-votes, guard hits, then a
 * stable sample of every variant's traffic), filters, verdicts with a note and an assignee, and counts per reviewer.
 */
public final class Reviews {
  /** The verdicts a reviewer can give; {@code needs_expert} names the language of the expert wanted. */
  public static final Set<String> VERDICTS = Set.of("confirmed_hallucination", "wrong", "fine", "needs_expert");
  /** The share of unflagged traffic (per cent, by request id) that is queued for review anyway. */
  static final int SAMPLE_PERCENT = 10;
  /** The risk score's weights: per hallucination flag, per down-vote, and once for any secret guard finding. */
  public static final long HALLUCINATION_WEIGHT = 100;
  public static final long DOWN_VOTE_WEIGHT = 10;
  public static final long GUARD_WEIGHT = 5;
  private static final int QUEUE_LIMIT = 500;

  private static final String QUEUE = "SELECT i.request_id, i.started_at, i.route, i.task, i.prompt, i.deployment, i.language, "
      + "i.guard_findings, i.output_chars, i.status, i.outcome, i.eval_run, "
      + "SUM(CASE WHEN f.hallucination THEN 1 ELSE 0 END) AS hallucinations, "
      + "SUM(CASE WHEN f.rating = 'down' THEN 1 ELSE 0 END) AS down_votes, "
      + "SUM(CASE WHEN f.rating = 'up' THEN 1 ELSE 0 END) AS up_votes, "
      + "r.verdict, r.expert_language, r.assignee, r.note, r.regression_file "
      + "FROM interactions i LEFT JOIN feedback f ON f.request_id = i.request_id LEFT JOIN reviews r ON r.request_id = i.request_id "
      + "WHERE %s GROUP BY i.request_id, i.started_at, i.route, i.task, i.prompt, i.deployment, i.language, i.guard_findings, "
      + "i.output_chars, i.status, i.outcome, i.eval_run, r.verdict, r.expert_language, r.assignee, r.note, r.regression_file "
      + "HAVING SUM(CASE WHEN f.hallucination THEN 1 ELSE 0 END) > 0 OR SUM(CASE WHEN f.rating = 'down' THEN 1 ELSE 0 END) > 0 "
      + "OR i.guard_findings <> '[]' OR MIN(i.sample_bucket) < " + SAMPLE_PERCENT + " OR r.verdict IS NOT NULL OR r.assignee IS NOT NULL "
      + "ORDER BY SUM(CASE WHEN f.hallucination THEN 1 ELSE 0 END) * " + HALLUCINATION_WEIGHT
      + " + SUM(CASE WHEN f.rating = 'down' THEN 1 ELSE 0 END) * " + DOWN_VOTE_WEIGHT + " "
      + "+ CASE WHEN i.guard_findings <> '[]' THEN " + GUARD_WEIGHT + " ELSE 0 END DESC, i.started_at DESC LIMIT " + QUEUE_LIMIT;
  private static final String REVIEW = "SELECT * FROM reviews WHERE request_id = ?";
  private static final String UPSERT = "INSERT INTO reviews (request_id, verdict, expert_language, note, assignee, updated_at) "
      + "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (request_id) DO UPDATE SET verdict = excluded.verdict, "
      + "expert_language = excluded.expert_language, note = excluded.note, assignee = excluded.assignee, updated_at = excluded.updated_at";
  private static final String REVIEW_FOR_REGRESSION = "INSERT INTO reviews (request_id, regression_file, updated_at) VALUES (?, ?, ?) "
      + "ON CONFLICT (request_id) DO UPDATE SET regression_file = excluded.regression_file, updated_at = excluded.updated_at";
  private static final String NO_REGRESSION = "UPDATE reviews SET regression_file = NULL, updated_at = ? WHERE request_id = ?";
  private static final String REGRESSIONS = "SELECT r.request_id, r.regression_file, r.updated_at, i.task FROM reviews r "
      + "LEFT JOIN interactions i ON i.request_id = r.request_id WHERE r.regression_file IS NOT NULL ORDER BY r.updated_at DESC";
  private static final String REVIEWERS = "SELECT assignee, SUM(CASE WHEN verdict IS NULL THEN 0 ELSE 1 END) AS done, "
      + "SUM(CASE WHEN verdict IS NULL THEN 1 ELSE 0 END) AS pending FROM reviews WHERE assignee IS NOT NULL GROUP BY assignee "
      + "ORDER BY assignee";

  /**
   * The queue's filters; null fields do not filter. {@code verdict} may be {@code pending}. Eval traffic is left out
   * unless {@code includeEval}.
   */
  public record Filter(String task, String variant, String model, String language, String verdict, String assignee,
      boolean includeEval) {
    public Filter(String task, String variant, String model, String language, String verdict, String assignee) {
      this(task, variant, model, language, verdict, assignee, false);
    }
  }

  /** A reviewer's judgement of one case. */
  public record Verdict(String verdict, String expertLanguage, String note, String assignee) {}

  private final InteractionStore store;

  public Reviews(InteractionStore store) {
    this.store = store;
  }

  /** The cases to review, riskiest first: hallucination flags, then down-votes, then guard hits, then the sample. */
  public Future<JsonArray> queue(Filter filter) {
    List<String> where = new ArrayList<>(List.of("1 = 1"));
    List<Object> params = new ArrayList<>();
    add(where, params, "i.task = ?", filter.task());
    add(where, params, "i.prompt LIKE ?", filter.variant() == null ? null : "%/" + filter.variant() + "@%");
    add(where, params, "i.deployment = ?", filter.model());
    add(where, params, "i.language = ?", filter.language() == null ? null : filter.language().toLowerCase(Locale.ROOT));
    add(where, params, "r.assignee = ?", filter.assignee());
    if (!filter.includeEval()) {
      where.add("i.eval_run IS NULL");
    }
    if ("pending".equals(filter.verdict())) {
      where.add("r.verdict IS NULL");
    } else {
      add(where, params, "r.verdict = ?", filter.verdict());
    }
    return store.query(String.format(QUEUE, String.join(" AND ", where)), params).map(rows -> {
      List<JsonObject> cases = new ArrayList<>();
      rows.forEach(r -> cases.add(withRisk((JsonObject) r)));
      cases.sort(Comparator.comparingLong((JsonObject c) -> c.getLong("risk")).reversed()
          .thenComparing(Comparator.comparingLong((JsonObject c) -> c.getLong("started_at")).reversed()));
      return new JsonArray(new ArrayList<>(cases));
    });
  }

  private static void add(List<String> where, List<Object> params, String clause, String value) {
    if (value != null && !value.isBlank()) {
      where.add(clause);
      params.add(value);
    }
  }

  /** Flags outweigh down-votes outweigh guard hits (any number of findings counts once); a sampled case has risk 0. */
  private static JsonObject withRisk(JsonObject c) {
    long hallucinations = c.getLong("hallucinations", 0L);
    long down = c.getLong("down_votes", 0L);
    boolean guard = !c.getJsonArray("guard_findings", new JsonArray()).isEmpty();
    List<String> reasons = new ArrayList<>();
    if (hallucinations > 0) {
      reasons.add("hallucination");
    }
    if (down > 0) {
      reasons.add("down-vote");
    }
    if (guard) {
      reasons.add("guardrail");
    }
    if (reasons.isEmpty()) {
      reasons.add("sample");
    }
    JsonArray signals = new JsonArray();
    signal(signals, "hallucination flags", hallucinations, HALLUCINATION_WEIGHT);
    signal(signals, "down-votes", down, DOWN_VOTE_WEIGHT);
    signal(signals, "secret guard findings", guard ? 1 : 0, GUARD_WEIGHT);
    return c.put("risk", hallucinations * HALLUCINATION_WEIGHT + down * DOWN_VOTE_WEIGHT + (guard ? GUARD_WEIGHT : 0))
        .put("reasons", new JsonArray(reasons)).put("risk_signals", signals);
  }

  /** One term of the risk score, for the page to show what a score is made of. */
  private static void signal(JsonArray signals, String name, long count, long weight) {
    if (count > 0) {
      signals.add(new JsonObject().put("signal", name).put("count", count).put("weight", weight).put("points", count * weight));
    }
  }

  /** One case: the interaction, its feedback, and its review (null fields while none). */
  public Future<JsonObject> get(String requestId) {
    return store.find(requestId).compose(found -> found == null ? Future.succeededFuture(null)
        : store.query(REVIEW, List.of(requestId)).map(review -> found.put("review", review.isEmpty() ? null : review.getJsonObject(0))));
  }

  /** Records a verdict; false when no interaction has that id. */
  public Future<Boolean> judge(String requestId, Verdict verdict, long nowMs) {
    return store.query(Sql.EXISTS, List.of(requestId)).compose(exists -> exists.isEmpty() ? Future.succeededFuture(false)
        : store.update(UPSERT, Arrays.asList(requestId, verdict.verdict(), verdict.expertLanguage(), verdict.note(), verdict.assignee(),
            nowMs)).map(true));
  }

  /** Notes the regression case made from a case. */
  public Future<Void> regressionMade(String requestId, String file, long nowMs) {
    return store.update(REVIEW_FOR_REGRESSION, Arrays.asList(requestId, file, nowMs)).mapEmpty();
  }

  /** Notes that the regression case made from a case is gone (removed from the page). */
  public Future<Void> regressionRemoved(String requestId, long nowMs) {
    return store.update(NO_REGRESSION, Arrays.asList(nowMs, requestId)).mapEmpty();
  }

  /** The regression cases made from the page: request id, task, file (relative to the prompt repository), newest first. */
  public Future<JsonArray> regressions() {
    return store.query(REGRESSIONS, List.of());
  }

  /** Per reviewer: cases done (with a verdict) and pending (assigned, no verdict yet). */
  public Future<JsonArray> reviewers() {
    return store.query(REVIEWERS, List.of());
  }
}
