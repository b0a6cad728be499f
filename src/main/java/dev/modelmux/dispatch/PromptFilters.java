package dev.modelmux.dispatch;

import dev.modelmux.exchange.Exchange;
import dev.modelmux.exchange.KeptAnswer;
import dev.modelmux.routing.CandidatePlanner.Candidate;
import dev.modelmux.spi.AnswerFilter;
import dev.modelmux.upstream.AttemptResult;

/** The post-processing an attempt's answer gets: its variant's, fresh for this answer, or none for a plain request. */
public final class PromptFilters {
  private PromptFilters() {}

  /** @param exchange when it keeps its answer for the log, the raw text is kept too ({@link TeeFilter}) */
  static AnswerFilter of(Candidate candidate, Exchange exchange) {
    if (candidate.prompt() == null) {
      return AnswerFilter.NONE;
    }
    AnswerFilter filter = candidate.prompt().filters().get();
    KeptAnswer kept = exchange.keptAnswer();
    return filter == AnswerFilter.NONE || !kept.keeps() ? filter : new TeeFilter(filter, kept.maxBytes());
  }

  /** The model's raw text of an answer that was post-processed and kept, else null. */
  public static String raw(AttemptResult result) {
    return result.filter() instanceof TeeFilter tee ? tee.raw() : null;
  }
}
