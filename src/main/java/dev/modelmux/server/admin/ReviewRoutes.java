package dev.modelmux.server.admin;

import dev.modelmux.config.AuthConfig;
import dev.modelmux.config.ConfigException;
import dev.modelmux.eval.EvalCases;
import dev.modelmux.eval.RegressionDraft;
import dev.modelmux.interactions.InteractionLog;
import dev.modelmux.interactions.Reviews;
import dev.modelmux.prompts.PromptRepository;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.StaticHandler;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HexFormat;
import java.util.Optional;

/**
 * The review page ({@code /review}, plain HTML/CSS/JS from the jar) and the admin API behind it: the risk-ordered
 * queue with its filters and per-reviewer counts, one case, a verdict, and "make regression case", which writes a
 * reviewed YAML case into {@code prompts/<task>/tests/} for {@code eval} to run from then on ({@link RegressionDraft}
 * drafts it and refuses one that would not reproduce the call; {@link RegressionRoutes} lists, marks and removes them).
 */
final class ReviewRoutes {
  private final Vertx vertx;
  private final InteractionLog log;
  private final Reviews reviews;
  private final Optional<PromptRepository> prompts;

  private ReviewRoutes(Vertx vertx, InteractionLog log, Optional<PromptRepository> prompts) {
    this.vertx = vertx;
    this.log = log;
    this.reviews = new Reviews(log.store());
    this.prompts = prompts;
  }

  /** Mounts the page and its API (only with an interaction log: without one there is nothing to review). */
  static void mount(Vertx vertx, Router admin, InteractionLog log, Optional<PromptRepository> prompts) {
    ReviewRoutes routes = new ReviewRoutes(vertx, log, prompts);
    admin.get("/review").handler(ctx -> {
      if (ctx.request().path().equals("/review")) {
        ctx.redirect("/review/"); // relative links in the page need the slash
      } else {
        ctx.next();
      }
    });
    admin.route("/review/*").handler(StaticHandler.create("review").setCachingEnabled(false).setIndexPage("index.html"));
    admin.get("/admin/review/cases").handler(routes::queue);
    admin.get("/admin/review/cases/:id").handler(routes::one);
    BodyHandler body = BodyHandler.create(false).setBodyLimit(256 * 1024);
    admin.post("/admin/review/cases/:id/verdict").handler(body).handler(routes::verdict);
    admin.post("/admin/review/cases/:id/regression").handler(body).handler(routes::regression);
    RegressionRoutes.mount(vertx, admin, routes.reviews, prompts);
  }

  private void queue(RoutingContext ctx) {
    var q = ctx.request();
    boolean includeEval;
    try {
      includeEval = IncludeEval.of(q.getParam("include"));
    } catch (IllegalArgumentException e) {
      fail(ctx, 400, e.getMessage());
      return;
    }
    Reviews.Filter filter = new Reviews.Filter(q.getParam("task"), q.getParam("variant"), q.getParam("model"), q.getParam("language"),
        q.getParam("verdict"), q.getParam("assignee"), includeEval);
    log.flush().compose(v -> reviews.queue(filter)).compose(cases -> reviews.reviewers()
            .map(counts -> new JsonObject().put("cases", cases).put("reviewers", counts)))
        .onSuccess(ctx::json)
        .onFailure(e -> fail(ctx, 503, "The interaction log is unavailable: " + e.getMessage()));
  }

  private void one(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    reviews.get(id).onSuccess(found -> {
      if (found == null) {
        fail(ctx, 404, "No case with request id '" + id + "'.");
        return;
      }
      RegressionDraft.Draft draft = RegressionDraft.of(found, taskProblem(found.getString("task")));
      ctx.json(found.put("suggested_case", draft.yaml()).put("regression", draft.json()));
    }).onFailure(e -> fail(ctx, 503, "The interaction log is unavailable: " + e.getMessage()));
  }

  private void verdict(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    JsonObject body;
    try {
      body = ctx.body().asJsonObject();
    } catch (RuntimeException e) {
      body = null;
    }
    String verdict = body == null ? null : body.getString("verdict");
    if (body == null || verdict != null && !Reviews.VERDICTS.contains(verdict)) {
      fail(ctx, 400, "'verdict' must be one of " + Reviews.VERDICTS.stream().sorted().toList() + " (or absent, to assign only).");
      return;
    }
    String expert = body.getString("expert_language");
    if ("needs_expert".equals(verdict) && (expert == null || expert.isBlank())) {
      fail(ctx, 400, "A 'needs_expert' verdict names the language of the expert wanted ('expert_language').");
      return;
    }
    Reviews.Verdict judged = new Reviews.Verdict(verdict, expert, body.getString("note"), body.getString("assignee"));
    reviews.judge(id, judged, System.currentTimeMillis()).onSuccess(stored -> {
      if (!stored) {
        fail(ctx, 404, "No case with request id '" + id + "'.");
      } else {
        ctx.json(new JsonObject().put("request_id", id).put("verdict", verdict).put("assignee", judged.assignee()));
      }
    }).onFailure(e -> fail(ctx, 503, "The interaction log is unavailable: " + e.getMessage()));
  }

  /** {@code {"yaml": "..."}}: the reviewer's edited case, checked as eval will read it, written beside the task's suites. */
  private void regression(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    String yaml;
    try {
      yaml = ctx.body().asJsonObject().getString("yaml");
    } catch (RuntimeException e) {
      yaml = null;
    }
    if (yaml == null || yaml.isBlank()) {
      fail(ctx, 400, "The body must be {\"yaml\": \"<the case, as in prompts/<task>/tests/*.yaml>\"}.");
      return;
    }
    if (prompts.isEmpty()) {
      fail(ctx, 503, "This gateway has no prompt repository to write the case into.");
      return;
    }
    PromptRepository repository = prompts.get();
    String draft = yaml;
    reviews.get(id).onSuccess(found -> {
      if (found == null) {
        fail(ctx, 404, "No case with request id '" + id + "'.");
        return;
      }
      String task = found.getString("task");
      RegressionDraft.Draft offered = RegressionDraft.of(found, taskProblem(task));
      if (offered.unavailable() != null) {
        fail(ctx, 409, "Case '" + id + "' cannot become a regression case: " + offered.unavailable());
        return;
      }
      String name = caseFileName(id);
      String problem;
      try {
        problem = RegressionDraft.problem(found, EvalCases.parse(task, draft, name));
      } catch (ConfigException e) {
        fail(ctx, 400, "The case does not read as an eval case: " + e.getMessage());
        return;
      }
      if (problem != null) {
        fail(ctx, 400, "The case would not reproduce this call: " + problem);
        return;
      }
      Path file = repository.dir().resolve(task).resolve("tests").resolve(name);
      vertx.executeBlocking(() -> {
        Files.createDirectories(file.getParent());
        // CREATE_NEW: a case already made from this call is never overwritten; the reviewer deletes or edits the file.
        Files.writeString(file, draft, StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        return null;
      }, false).compose(v -> reviews.regressionMade(id, repository.dir().relativize(file).toString(), System.currentTimeMillis()))
          .onSuccess(v -> {
            ctx.response().setStatusCode(201);
            ctx.json(new JsonObject().put("request_id", id).put("file", repository.dir().relativize(file).toString()));
          })
          .onFailure(e -> {
            if (e instanceof FileAlreadyExistsException) {
              fail(ctx, 409, "A regression case from this call already exists: " + repository.dir().relativize(file)
                  + "; edit or delete that file instead.");
            } else {
              fail(ctx, 500, "The case could not be written: " + e.getMessage());
            }
          });
    }).onFailure(e -> fail(ctx, 503, "The interaction log is unavailable: " + e.getMessage()));
  }

  /**
   * The file a case's regression case is written to: a readable stem (the logged id's safe characters, cut short) and
   * the first 16 hex digits of the SHA-256 of the exact id (client key id and request id), so two calls never share one.
   */
  static String caseFileName(String logId) {
    String stem = logId.replaceAll("[^A-Za-z0-9_-]+", "_");
    stem = stem.length() > 60 ? stem.substring(0, 60) : stem;
    String hash = HexFormat.of().formatHex(AuthConfig.sha256(logId)).substring(0, 16);
    return "review-" + stem + "-" + hash + ".yaml";
  }

  /** Why a call of {@code task} cannot become one of its cases (no repository, task not in it), or null. */
  private String taskProblem(String task) {
    if (prompts.isEmpty()) {
      return "This gateway has no prompt repository (prompts:) to write the case into.";
    }
    PromptRepository repository = prompts.get();
    return task == null || repository.task(task).isPresent() ? null
        : "Task '" + task + "' is not in the prompt repository (" + repository.dir() + ") any more, so it has no tests folder to join.";
  }

  static void fail(RoutingContext ctx, int status, String message) {
    ctx.response().setStatusCode(status);
    ctx.json(new JsonObject().put("error", new JsonObject().put("message", message)));
  }
}
