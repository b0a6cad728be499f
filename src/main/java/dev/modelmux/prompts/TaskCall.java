package dev.modelmux.prompts;

import dev.modelmux.core.ChatRequest;
import dev.modelmux.core.ErrorKind;
import dev.modelmux.core.GatewayError;
import dev.modelmux.core.GatewayException;
import dev.modelmux.prompts.guard.Finding;
import dev.modelmux.prompts.guard.GuardMode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One request calling a task ({@code "model": "task:<name>"} with its {@code variables}): the task, the variables
 * checked against what it declares and passed through its secret guard, and the request rendered for each variant
 * it is sent with (a fallback to another family sends that family's variant).
 */
public final class TaskCall {
  public static final String PREFIX = "task:";

  private final Task task;
  private final ChatRequest request;
  private final GuardedInput input;
  private final Map<Variant, ChatRequest> rendered = new HashMap<>();
  private final String familyPin;

  private TaskCall(Task task, ChatRequest request, GuardedInput input, String familyPin) {
    this.familyPin = familyPin;
    this.task = task;
    this.request = request;
    this.input = input;
  }

  /** Whether the client named a task rather than a route. */
  public static boolean isTask(String model) {
    return model != null && model.startsWith(PREFIX);
  }

  /**
   * Resolves the task and checks the request's variables: an unknown task is a 404, a missing, unknown or mistyped
   * variable a 400 naming it, a secret under {@code guard: {secrets: block}} a 400 naming its rule.
   */
  public static TaskCall of(Catalog catalog, ChatRequest request) {
    return of(catalog, request, null);
  }

  /** @param familyPin only deployments whose family starts with this are tried (eval pins each variant's family); null: all */
  public static TaskCall of(Catalog catalog, ChatRequest request, String familyPin) {
    String name = request.model().substring(PREFIX.length());
    Task task = catalog.tasks().get(name);
    if (task == null) {
      throw new GatewayException(GatewayError.of(404, ErrorKind.NOT_FOUND, "The task `" + name + "` does not exist in the prompt "
          + "repository" + (catalog.tasks().isEmpty() ? " (no tasks are loaded)." : "; known tasks: "
          + String.join(", ", catalog.tasks().keySet()) + ".")).withParam("model"));
    }
    Map<String, String> variables = Variables.check(task, request.body().getValue("variables"));
    return new TaskCall(task, request, GuardedInput.scan(task, variables, request),
        familyPin == null || familyPin.isBlank() ? null : familyPin.strip().toLowerCase(Locale.ROOT));
  }

  public Task task() {
    return task;
  }

  /** The variant a deployment of {@code family} is sent, or null when none serves it (or the call pins another family). */
  public Variant variantFor(String family) {
    if (familyPin != null && !family.toLowerCase(Locale.ROOT).startsWith(familyPin)) {
      return null;
    }
    return task.variantFor(family);
  }

  public String familyPin() {
    return familyPin;
  }

  /** The call's variables as checked (and redacted, when the guard says so). */
  public Map<String, String> variables() {
    return input.variables();
  }

  /** Secrets the guard found in the variables and the client's messages (redacted there when the guard says so). */
  public List<Finding> findings() {
    return input.findings();
  }

  /** The rule ids of the findings, one per finding. */
  public List<String> findingRules() {
    return input.findings().stream().map(Finding::rule).toList();
  }

  /** The 400 the task's blocking guard answers with, or null when the call may be sent. */
  public GatewayError refusal() {
    return input.refusal();
  }

  public GuardMode guard() {
    return task.guard();
  }

  /** The request as a deployment of this variant's family is sent it, in the client's dialect; one rendering per variant. */
  public synchronized ChatRequest renderFor(Variant variant) {
    return rendered.computeIfAbsent(variant, v -> RenderedRequest.build(request, task, v, scope(), input.messages(), input.system()));
  }

  private Map<String, Object> scope() {
    Map<String, Object> scope = new LinkedHashMap<>(input.variables());
    List<Map<String, Object>> findings = new ArrayList<>();
    for (GuardedInput.Located f : input.located()) {
      Map<String, Object> entry = new LinkedHashMap<>(f.finding().forTemplate(f.scannedText()));
      entry.put("where", f.where());
      findings.add(entry);
    }
    scope.put("findings", findings);
    return scope;
  }
}
