package dev.modelmux.translate;

import dev.modelmux.core.GatewayException;
import dev.modelmux.core.SseEvent;
import dev.modelmux.core.StreamStep;
import dev.modelmux.core.Usage;
import dev.modelmux.spi.AnswerFilter;
import dev.modelmux.spi.Translator;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * What the pairs of different dialects share: the provider's stream is decoded into neutral parts and re-encoded in
 * the client's dialect; whole answers and request bodies go through converter functions the pair supplies. The
 * answer's text may pass through a filter on the way (a prompt variant's post-processing).
 */
abstract class CrossTranslator implements Translator {
  private final Buffer upstreamBody;
  private final Function<Buffer, ConvertedAnswer> answerConverter;
  private final StreamDecoder decoder;
  private final StreamEncoder encoder;
  private final AnswerSoFar answer;
  private final List<StreamPart> parts = new ArrayList<>(4);
  private final AnswerFilter filter;
  private boolean filterFinished;
  private boolean answerStarted;
  private GatewayException refusal;
  private Usage refusedUsage = Usage.UNKNOWN;
  private Usage answerUsage = Usage.UNKNOWN;

  CrossTranslator(Buffer upstreamBody, Function<Buffer, ConvertedAnswer> answerConverter, StreamDecoder decoder, StreamEncoder encoder,
      boolean keepText) {
    this(upstreamBody, answerConverter, decoder, encoder, keepText, AnswerFilter.NONE);
  }

  CrossTranslator(Buffer upstreamBody, Function<Buffer, ConvertedAnswer> answerConverter, StreamDecoder decoder, StreamEncoder encoder,
      boolean keepText, AnswerFilter filter) {
    this.filter = filter;
    this.upstreamBody = upstreamBody;
    this.answerConverter = answerConverter;
    this.decoder = decoder;
    this.encoder = encoder;
    this.answer = new AnswerSoFar(keepText);
  }

  @Override
  public Buffer upstreamBody() {
    return upstreamBody;
  }

  @Override
  public Buffer clientBody(Buffer body) {
    ConvertedAnswer converted = answerConverter.apply(body);
    answerUsage = converted.usage();
    return converted.body();
  }

  @Override
  public StreamStep onEvent(SseEvent event, Buffer out) {
    parts.clear();
    decoder.decode(event, parts);
    StreamStep step = StreamStep.HOLD;
    for (StreamPart decoded : parts) {
      StreamPart part = decoded;
      if (refusal != null) {
        afterRefusal(part);
        continue;
      }
      if (part instanceof StreamPart.Text t) {
        answerStarted = true;
        answer.text(t.text());
        String passed = filter.push(t.text());
        if (passed.isEmpty()) {
          continue;
        }
        part = passed == t.text() ? part : new StreamPart.Text(passed);
      } else if (part instanceof StreamPart.ToolStart) {
        answer.toolCall();
      } else if (part instanceof StreamPart.Finished || part instanceof StreamPart.End) {
        try {
          if (flushFilter(out)) {
            step = StreamStep.CONTENT;
          }
        } catch (GatewayException refused) {
          // The post-processing refuses the answer. The provider still sends its usage after the finish: read it
          // first (the attempt is billed what it used), then refuse, with nothing of it sent to the client.
          refusal = refused;
          afterRefusal(part);
          continue;
        }
      }
      StreamStep next = encoder.encode(part, out);
      if (next == StreamStep.COMPLETE) {
        return next;
      }
      if (next == StreamStep.CONTENT) {
        step = next;
      }
    }
    return step;
  }

  /** A refused answer's remaining parts: only its usage is kept; its end raises the refusal. */
  private void afterRefusal(StreamPart part) {
    if (part instanceof StreamPart.Tokens tokens) {
      refusedUsage = tokens.usage();
    } else if (part instanceof StreamPart.End) {
      throw refusal;
    }
  }

  /** The answer's text ended: what the post-processing still held goes out (once); true when that was content. */
  private boolean flushFilter(Buffer out) {
    if (filter == AnswerFilter.NONE || filterFinished) {
      return false;
    }
    filterFinished = true;
    String held = filter.finish();
    return !held.isEmpty() && encoder.encode(new StreamPart.Text(held), out) == StreamStep.CONTENT;
  }

  @Override
  public void onUpstreamEnd(Buffer out) {
    if (refusal != null) {
      throw refusal;
    }
    flushFilter(out); // a stream that ended without a finish reason still finishes its post-processing
    encoder.endWithoutTerminator(out);
  }

  @Override
  public String textSoFar() {
    return answer.text();
  }

  @Override
  public boolean answerStarted() {
    return answerStarted;
  }

  @Override
  public AnswerFilter answerFilter() {
    return filter;
  }

  @Override
  public boolean toolsSeen() {
    return answer.toolsSeen();
  }

  @Override
  public Usage usage() {
    if (refusal != null) {
      return refusedUsage;
    }
    Usage streamed = encoder.usage();
    return streamed.completionTokens() >= 0 ? streamed : answerUsage;
  }
}
