package dev.modelmux.gateway;

import dev.modelmux.core.AnswerFilter;
import dev.modelmux.routing.CandidatePlanner.Candidate;

/** The post-processing an attempt's answer gets: its variant's, fresh for this answer, or none for a plain request. */
final class PromptFilters {
  private PromptFilters() {}

  static AnswerFilter of(Candidate candidate) {
    return candidate.prompt() == null ? AnswerFilter.NONE : candidate.prompt().filters().get();
  }
}
