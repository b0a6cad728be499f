package dev.modelmux.server.admin;

import dev.modelmux.eval.RegressionFiles;
import dev.modelmux.interactions.Reviews;
import dev.modelmux.prompts.PromptRepository;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The regression cases made on the review page, kept in reach of the page: {@code GET /admin/review/regressions} lists
 * them (file, its cases, known failing or not, still there or not); {@code POST .../:id/known-failing} with
 * {@code {"reason": "..."}} marks the file's cases known failing ({@code "reason": null} unmarks them); {@code DELETE
 * .../:id} removes the file. {@code :id} is the request id of the call the case was made from.
 */
final class RegressionRoutes {
  private static final int MAX_REASON = 500;

  private final Vertx vertx;
  private final Reviews reviews;
  private final RegressionFiles files;

  private RegressionRoutes(Vertx vertx, Reviews reviews, PromptRepository prompts) {
    this.vertx = vertx;
    this.reviews = reviews;
    this.files = new RegressionFiles(prompts.dir());
  }

  static void mount(Vertx vertx, Router admin, Reviews reviews, Optional<PromptRepository> prompts) {
    if (prompts.isEmpty()) {
      admin.route("/admin/review/regressions*").handler(ctx -> ReviewRoutes.fail(ctx, 503,
          "This gateway has no prompt repository (prompts:), so it has no regression cases."));
      return;
    }
    RegressionRoutes routes = new RegressionRoutes(vertx, reviews, prompts.get());
    admin.get("/admin/review/regressions").handler(routes::list);
    BodyHandler body = BodyHandler.create(false).setBodyLimit(16 * 1024);
    admin.post("/admin/review/regressions/:id/known-failing").handler(body).handler(routes::knownFailing);
    admin.delete("/admin/review/regressions/:id").handler(routes::remove);
  }

  private void list(RoutingContext ctx) {
    reviews.regressions().compose(rows -> vertx.executeBlocking(() -> {
      List<Object> out = new ArrayList<>();
      for (Object o : rows) {
        JsonObject row = (JsonObject) o;
        out.add(files.describe(row.getString("regression_file")).put("request_id", row.getString("request_id"))
            .put("task", row.getString("task")).put("updated_at", row.getLong("updated_at")));
      }
      return new JsonObject().put("regressions", new JsonArray(out));
    }, false)).onSuccess(ctx::json).onFailure(e -> ReviewRoutes.fail(ctx, 503, "The interaction log is unavailable: " + e.getMessage()));
  }

  private void knownFailing(RoutingContext ctx) {
    JsonObject body;
    try {
      body = ctx.body().asJsonObject();
    } catch (RuntimeException e) {
      body = null;
    }
    Object reason = body == null ? null : body.getValue("reason");
    if (body == null || !body.containsKey("reason") || reason != null && !(reason instanceof String)
        || reason instanceof String r && (r.isBlank() || r.length() > MAX_REASON)) {
      ReviewRoutes.fail(ctx, 400, "The body must be {\"reason\": \"<why the case is known to fail, at most " + MAX_REASON
          + " characters>\"} to mark the case known failing, or {\"reason\": null} to unmark it.");
      return;
    }
    String why = (String) reason;
    String id = ctx.pathParam("id");
    fileOf(ctx, id).onSuccess(file -> {
      if (file == null) {
        return;
      }
      // null: the logged path is not a case file the page made, so it is not touched
      vertx.executeBlocking(() -> files.resolve(file) == null ? null : files.markKnownFailing(file, why), false).onSuccess(marked -> {
        if (marked == null) {
          ReviewRoutes.fail(ctx, 409, notACaseFile(file));
        } else if (marked) {
          ctx.json(new JsonObject().put("request_id", id).put("file", file).put("known_failing", why));
        } else {
          ReviewRoutes.fail(ctx, 404, "The regression case file " + file + " is gone (deleted by hand?); remove it from the list.");
        }
      }).onFailure(e -> ReviewRoutes.fail(ctx, 500, "The case file " + file + " could not be changed: " + e.getMessage()));
    });
  }

  private void remove(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    fileOf(ctx, id).onSuccess(file -> {
      if (file == null) {
        return;
      }
      // null: the logged path is not a case file the page made; only the row is cleared
      vertx.executeBlocking(() -> files.resolve(file) == null ? null : files.remove(file), false).onSuccess(deleted ->
          reviews.regressionRemoved(id, System.currentTimeMillis()).onSuccess(v -> {
            JsonObject out = new JsonObject().put("request_id", id).put("file", file).put("removed", true).put("was_there", deleted == Boolean.TRUE);
            ctx.json(deleted == null ? out.put("left_alone", notACaseFile(file)) : out);
          }).onFailure(e -> ReviewRoutes.fail(ctx, 503, (deleted == Boolean.TRUE ? "The case file " + file + " was deleted, but the" : "The")
              + " interaction log could not note it (" + e.getMessage() + "), so it is still listed; remove it again to clear it.")))
          .onFailure(e -> ReviewRoutes.fail(ctx, 500, "The case file " + file + " could not be removed: " + e.getMessage()));
    });
  }

  private static String notACaseFile(String file) {
    return file + " is not a case file the review page made (<task>/tests/review-*.yaml inside the prompt repository), so it is "
        + "left alone; remove it from the list to clear it.";
  }

  /** The file made from call {@code id}, as logged; null after answering 404 when there is none, failed after answering 503. */
  private Future<String> fileOf(RoutingContext ctx, String id) {
    return reviews.get(id).map(found -> {
      JsonObject review = found == null ? null : found.getJsonObject("review");
      String file = review == null ? null : review.getString("regression_file");
      if (file == null) {
        ReviewRoutes.fail(ctx, 404, "No regression case was made from request id '" + id + "'.");
      }
      return file;
    }).onFailure(e -> ReviewRoutes.fail(ctx, 503, "The interaction log is unavailable: " + e.getMessage()));
  }
}
