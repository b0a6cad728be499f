package dev.modelmux.translate;

import dev.modelmux.config.DeploymentConfig;
import dev.modelmux.config.ProviderKind;
import dev.modelmux.core.ChatRequest;
import dev.modelmux.core.Dialect;
import dev.modelmux.core.GatewayError;
import dev.modelmux.core.GatewayException;
import dev.modelmux.core.SseEvent;
import dev.modelmux.core.StreamStep;
import dev.modelmux.core.Usage;
import dev.modelmux.spi.AnswerFilter;
import dev.modelmux.spi.Translator;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * Continues a text answer that broke mid-stream on another deployment, into the client's open stream.
 * Providers that accept an assistant prefill (Anthropic) get the text already sent as a prefill and continue
 * from it; others are asked again plainly, their output held back until it has repeated what the client has,
 * then only the rest is sent. A continuation that diverges, or turns to tools, ends with the original error.
 */
public final class ContinuationTranslator implements Translator {
  private final StreamDecoder decoder;
  private final StreamEncoder encoder;
  private final Buffer upstreamBody;
  private final GatewayError original;
  private final boolean lenient;
  private final List<StreamPart> parts = new ArrayList<>(4);
  private final AnswerFilter filter;
  /** What the new answer must still repeat before its own text reaches the client. */
  private String pending;

  private ContinuationTranslator(StreamDecoder decoder, StreamEncoder encoder, Buffer upstreamBody, GatewayError original,
      String pending, boolean lenient, AnswerFilter filter) {
    this.filter = filter;
    this.decoder = decoder;
    this.encoder = encoder;
    this.upstreamBody = upstreamBody;
    this.original = original;
    this.pending = pending;
    this.lenient = lenient;
  }

  /** Whether the deployment continues an assistant prefill, as configured (by its provider's kind unless it says). */
  public static boolean acceptsPrefill(DeploymentConfig deployment) {
    return deployment.prefill() && deployment.provider() == ProviderKind.ANTHROPIC;
  }

  /** As {@link #create(ChatRequest, DeploymentConfig, String, GatewayError, AnswerFilter)} without post-processing. */
  public static ContinuationTranslator create(ChatRequest request, DeploymentConfig deployment, String sent, GatewayError original) {
    return create(request, deployment, sent, original, AnswerFilter.NONE);
  }

  /**
   * @param sent the answer's text so far; @param original the failure that broke the first stream
   * @param filter the broken answer's post-processing, which the continued text goes on through
   */
  public static ContinuationTranslator create(ChatRequest request, DeploymentConfig deployment, String sent, GatewayError original,
      AnswerFilter filter) {
    return create(request, deployment, sent, original, filter, acceptsPrefill(deployment));
  }

  /**
   * As {@link #create(ChatRequest, DeploymentConfig, String, GatewayError, AnswerFilter)}; @param prefill false asks
   * again plainly even a deployment configured to take a prefill (one that refused it)
   */
  public static ContinuationTranslator create(ChatRequest request, DeploymentConfig deployment, String sent, GatewayError original,
      AnswerFilter filter, boolean prefill) {
    boolean openAiClient = request.dialect() == Dialect.OPENAI;
    StreamEncoder encoder = openAiClient
        ? new OpenAiChunkEncoder(deployment, request.includeUsage())
        : new AnthropicEventEncoder(deployment).resumingTextBlock();
    // An empty prefill (only whitespace so far) is one Anthropic refuses: ask again instead.
    if (prefill && acceptsPrefill(deployment) && !sent.isBlank()) {
      JsonObject body = openAiClient
          ? ToAnthropicRequest.from(request.body(), deployment, request.maxOutputTokens())
          : request.body().copy().put("model", deployment.model())
              .put("max_tokens", Math.min(request.maxOutputTokens(), deployment.maxOutputTokens()));
      // Anthropic refuses a prefill that ends in whitespace: send it without, and expect the answer to begin with it.
      String prefix = sent.stripTrailing();
      body.getJsonArray("messages").add(new JsonObject().put("role", "assistant").put("content", prefix));
      body.put("stream", true);
      return new ContinuationTranslator(new AnthropicEventDecoder(deployment), encoder, body.toBuffer(), original,
          sent.substring(prefix.length()), true, filter);
    }
    Translator plain = Translators.create(request, deployment, false);
    StreamDecoder decoder = deployment.provider() == ProviderKind.ANTHROPIC
        ? new AnthropicEventDecoder(deployment) : new OpenAiChunkDecoder(deployment);
    return new ContinuationTranslator(decoder, encoder, plain.upstreamBody(), original, sent, false, filter);
  }

  @Override
  public Buffer upstreamBody() {
    return upstreamBody;
  }

  @Override
  public Buffer clientBody(Buffer upstreamBody) {
    throw new IllegalStateException("continuations are streams");
  }

  @Override
  public StreamStep onEvent(SseEvent event, Buffer out) {
    parts.clear();
    decoder.decode(event, parts);
    StreamStep step = StreamStep.HOLD;
    for (StreamPart part : parts) {
      StreamPart relayed = postProcessed(skipRepeated(part), out);
      if (relayed == null) {
        continue;
      }
      StreamStep next = encoder.encode(relayed, out);
      if (next == StreamStep.COMPLETE) {
        return next;
      }
      if (next == StreamStep.CONTENT) {
        step = next;
      }
    }
    return step;
  }

  /**
   * New text through the answer's post-processing; at the end, what it still held goes out before the end. Null when
   * nothing is left to relay.
   */
  private StreamPart postProcessed(StreamPart part, Buffer out) {
    if (part == null || filter == AnswerFilter.NONE) {
      return part;
    }
    if (part instanceof StreamPart.Text text) {
      String passed = filter.push(text.text());
      return passed.isEmpty() ? null : new StreamPart.Text(passed);
    }
    if (part instanceof StreamPart.Finished) {
      String held = filter.finish();
      if (!held.isEmpty()) {
        encoder.encode(new StreamPart.Text(held), out);
      }
    }
    return part;
  }

  /** Drops the new answer's preamble and the text the client already has; null when nothing is left to relay. */
  private StreamPart skipRepeated(StreamPart part) {
    if (part instanceof StreamPart.Start) {
      return null;
    }
    if (part instanceof StreamPart.ToolStart || part instanceof StreamPart.ToolArguments) {
      throw diverged();
    }
    if (part instanceof StreamPart.Text text && !pending.isEmpty()) {
      String piece = text.text();
      int overlap = Math.min(piece.length(), pending.length());
      if (!piece.regionMatches(0, pending, 0, overlap)) {
        if (!lenient) {
          throw diverged();
        }
        pending = "";
        return part;
      }
      pending = pending.substring(overlap);
      return overlap == piece.length() ? null : new StreamPart.Text(piece.substring(overlap));
    }
    if ((part instanceof StreamPart.End || part instanceof StreamPart.Finished) && !pending.isEmpty() && !lenient) {
      throw diverged();
    }
    return part;
  }

  private GatewayException diverged() {
    return new GatewayException(original);
  }

  @Override
  public void onUpstreamEnd(Buffer out) {
    encoder.endWithoutTerminator(out);
  }

  @Override
  public Usage usage() {
    return encoder.usage();
  }

  @Override
  public String textSoFar() {
    return "";
  }

  @Override
  public AnswerFilter answerFilter() {
    return filter;
  }

  @Override
  public boolean toolsSeen() {
    return false;
  }
}
