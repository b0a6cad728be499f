package dev.modelmux.spi;

import java.util.function.Supplier;

/**
 * The prompt variant one attempt sends, as the gateway reports it and post-processes the answer with.
 *
 * @param label task/variant@version, as in the {@code x-modelmux-prompt} header
 * @param filters a fresh post-processing chain for one answer
 */
public record PromptChoice(String label, Supplier<AnswerFilter> filters) {}
