package dev.modelmux.api;

import dev.modelmux.core.GatewayError;
import io.vertx.ext.web.RoutingContext;
import java.util.regex.Pattern;

/**
 * {@code x-modelmux-eval: <run id>}: {@code modelmux eval --url} marks its calls as eval traffic, which the interaction
 * log keeps with the run id and /admin/costs and the review queue leave out unless asked. Only an operator may mark a
 * call so ({@link ClientAuth#isOperator}): from any other client the header is ignored and the call is ordinary
 * traffic, so no client can hide its own spending.
 */
public final class EvalTag {
  public static final String HEADER = "x-modelmux-eval";
  /** A run id: a plain token, as eval makes them (eval-20261207T153700Z-1a2b3c), at most 100 characters. */
  private static final Pattern RUN_ID = Pattern.compile("[A-Za-z0-9._:-]{1,100}");

  private EvalTag() {}

  /** The run an operator tagged the call with, or null (no header, or not an operator's call). */
  static String runOf(RoutingContext ctx) {
    String run = ctx.request().getHeader(HEADER);
    if (run == null || !ClientAuth.isOperator(ctx)) {
      return null;
    }
    run = run.strip();
    if (!RUN_ID.matcher(run).matches()) {
      throw new IllegalArgumentException();
    }
    return run;
  }

  /** The refusal of an operator's tag that is not a run id (rather than logging the call as ordinary traffic). */
  static GatewayError invalid() {
    return GatewayError.invalid("The " + HEADER + " header must be a run id of 1 to 100 letters, digits, '.', '_', ':' or '-'.",
        null, "invalid_eval_run");
  }
}
