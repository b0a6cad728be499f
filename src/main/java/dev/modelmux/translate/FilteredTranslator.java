package dev.modelmux.translate;

import dev.modelmux.config.DeploymentConfig;
import dev.modelmux.config.ProviderKind;
import dev.modelmux.core.ChatRequest;
import dev.modelmux.core.Dialect;
import dev.modelmux.core.Usage;
import dev.modelmux.spi.AnswerFilter;
import dev.modelmux.spi.Translator;

/**
 * Any pair whose answer text is post-processed: the pair's own translator builds the upstream body and checks whole
 * answers; the stream is decoded into parts, its text filtered, and encoded in the client's dialect (even between
 * the same dialects, where the plain pair would relay the provider's bytes untouched).
 */
final class FilteredTranslator extends CrossTranslator {
  private final Translator pair;

  FilteredTranslator(Translator pair, ChatRequest request, DeploymentConfig deployment, boolean keepText, AnswerFilter filter) {
    super(pair.upstreamBody(),
        body -> new ConvertedAnswer(AnswerRewrite.apply(request.dialect(), pair.clientBody(body), filter), pair.usage()),
        deployment.provider() == ProviderKind.ANTHROPIC ? new AnthropicEventDecoder(deployment) : new OpenAiChunkDecoder(deployment),
        request.dialect() == Dialect.OPENAI ? new OpenAiChunkEncoder(deployment, request.includeUsage()) : new AnthropicEventEncoder(deployment),
        keepText, filter);
    this.pair = pair;
  }

  /** A whole answer the post-processing refused was still read (and its usage with it) by the pair. */
  @Override
  public Usage usage() {
    Usage own = super.usage();
    return own.completionTokens() >= 0 ? own : pair.usage();
  }
}
