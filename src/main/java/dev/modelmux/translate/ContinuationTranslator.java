package dev.modelmux.translate;

import dev.modelmux.core.Dialect;
import dev.modelmux.config.DeploymentConfig;
import dev.modelmux.config.ProviderKind;
import dev.modelmux.core.ChatRequest;
import dev.modelmux.core.GatewayError;
import dev.modelmux.core.GatewayException;
import dev.modelmux.core.StreamStep;
import dev.modelmux.core.Translator;
import dev.modelmux.core.Usage;
import dev.modelmux.core.SseEvent;
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
  /** What the new answer must still repeat before its own text reaches the client. */
  private String pending;

  private ContinuationTranslator(StreamDecoder decoder, StreamEncoder encoder, Buffer upstreamBody, GatewayError original,
      String pending, boolean lenient) {
    this.decoder = decoder;
    this.encoder = encoder;
    this.upstreamBody = upstreamBody;
    this.original = original;
    this.pending = pending;
    this.lenient = lenient;
  }

  /** Whether the deployment's provider continues an assistant prefill (known from its kind, not by trial). */
  public static boolean acceptsPrefill(DeploymentConfig deployment) {
    return deployment.provider() == ProviderKind.ANTHROPIC;
  }

  /** @param sent the text the client already has; @param original the failure that broke the first stream */
  public static ContinuationTranslator create(ChatRequest request, DeploymentConfig deployment, String sent, GatewayError original) {
    boolean openAiClient = request.dialect() == Dialect.OPENAI;
    StreamEncoder encoder = openAiClient
        ? new OpenAiChunkEncoder(deployment, request.includeUsage())
        : new AnthropicEventEncoder(deployment).resumingTextBlock();
    if (acceptsPrefill(deployment)) {
      JsonObject body = openAiClient
          ? ToAnthropicRequest.from(request.body(), deployment, request.maxOutputTokens())
          : request.body().copy().put("model", deployment.model())
              .put("max_tokens", Math.min(request.maxOutputTokens(), deployment.maxOutputTokens()));
      // Anthropic refuses a prefill that ends in whitespace: send it without, and expect the answer to begin with it.
      String prefill = sent.stripTrailing();
      body.getJsonArray("messages").add(new JsonObject().put("role", "assistant").put("content", prefill));
      body.put("stream", true);
      return new ContinuationTranslator(new AnthropicEventDecoder(deployment), encoder, body.toBuffer(), original,
          sent.substring(prefill.length()), true);
    }
    Translator plain = Translators.create(request, deployment, false);
    StreamDecoder decoder = deployment.provider() == ProviderKind.ANTHROPIC
        ? new AnthropicEventDecoder(deployment) : new OpenAiChunkDecoder(deployment);
    return new ContinuationTranslator(decoder, encoder, plain.upstreamBody(), original, sent, false);
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
      StreamPart relayed = filter(part);
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

  /** Drops the new answer's preamble and the text the client already has; null when nothing is left to relay. */
  private StreamPart filter(StreamPart part) {
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
  public boolean toolsSeen() {
    return false;
  }
}
