package dev.modelmux.translate;

import dev.modelmux.gateway.StreamStep;
import dev.modelmux.gateway.Translator;
import dev.modelmux.gateway.Usage;
import dev.modelmux.stream.SseEvent;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * A translator between different dialects: the provider's stream is decoded into neutral parts and
 * re-encoded in the client's dialect; whole answers and request bodies go through converter functions.
 */
final class CrossTranslator implements Translator {
  private final Buffer upstreamBody;
  private final Function<Buffer, ConvertedAnswer> answerConverter;
  private final StreamDecoder decoder;
  private final StreamEncoder encoder;
  private final List<StreamPart> parts = new ArrayList<>(4);
  private Usage answerUsage = Usage.UNKNOWN;
  private final StringBuilder text = new StringBuilder();
  private boolean toolsSeen;

  CrossTranslator(Buffer upstreamBody, Function<Buffer, ConvertedAnswer> answerConverter, StreamDecoder decoder, StreamEncoder encoder) {
    this.upstreamBody = upstreamBody;
    this.answerConverter = answerConverter;
    this.decoder = decoder;
    this.encoder = encoder;
  }

  @Override
  public Buffer upstreamBody() {
    return upstreamBody;
  }

  @Override
  public Buffer clientBody(Buffer body) {
    ConvertedAnswer answer = answerConverter.apply(body);
    answerUsage = answer.usage();
    return answer.body();
  }

  @Override
  public StreamStep onEvent(SseEvent event, Buffer out) {
    parts.clear();
    decoder.decode(event, parts);
    StreamStep step = StreamStep.HOLD;
    for (StreamPart part : parts) {
      if (part instanceof StreamPart.Text t) {
        text.append(t.text());
      } else if (part instanceof StreamPart.ToolStart) {
        toolsSeen = true;
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

  @Override
  public void onUpstreamEnd(Buffer out) {
    encoder.endWithoutTerminator(out);
  }

  @Override
  public String textSoFar() {
    return text.toString();
  }

  @Override
  public boolean toolsSeen() {
    return toolsSeen;
  }

  @Override
  public Usage usage() {
    Usage streamed = encoder.usage();
    return streamed.completionTokens() >= 0 ? streamed : answerUsage;
  }
}
