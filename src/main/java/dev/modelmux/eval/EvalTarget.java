package dev.modelmux.eval;

import dev.modelmux.prompts.Task;
import dev.modelmux.prompts.Variant;
import java.util.List;

/** One task's cases to run on one model family, and the variant that family is sent. */
public record EvalTarget(Task task, Variant variant, String family, List<EvalCase> cases) {}
