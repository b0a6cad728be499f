package dev.modelmux.eval;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/** A reviewer's case reproduces a redacted call only while every variable the guard redacted is still there and filled. */
class RegressionDraftTest {
  private static final JsonObject CALL = new JsonObject().put("variables", new JsonObject()
      .put("code", "connect(\"postgres://app:[REDACTED:password-in-url]@db/x\")").put("style", "terse"));

  private static String problem(String variables) {
    return RegressionDraft.problem(CALL, EvalCases.parse("leaks", "- name: c\n  variables: " + variables
        + "\n  assert: [{ contains: x }]\n", "draft"));
  }

  @Test
  void aFilledRedactedVariableReproducesTheCall() {
    assertThat(problem("{ code: 'connect(\"postgres://app:made-up-pw-7@db/x\")', style: terse }")).isNull();
    assertThat(problem("{ code: 'connect(\"postgres://app:made-up-pw-7@db/x\")' }")).as("a variable with no secret may go").isNull();
  }

  @Test
  void deletingAVariableTheGuardRedactedIsRefused() {
    assertThat(problem("{ style: terse }")).contains("variables.code").contains("password-in-url");
    assertThat(problem("{ }")).contains("variables.code");
  }

  @Test
  void aRedactedVariableThatIsNoLongerTextIsRefused() {
    assertThat(problem("{ code: 42, style: terse }")).contains("variables.code");
    assertThat(problem("{ code: null, style: terse }")).contains("variables.code");
  }
}
