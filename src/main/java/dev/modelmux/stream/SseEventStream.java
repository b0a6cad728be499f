package dev.modelmux.stream;

import dev.modelmux.core.SseEvent;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.parsetools.RecordParser;
import io.vertx.core.streams.ReadStream;

/**
 * The server-sent events of a byte stream (an upstream response), as a stream of their own: pausing it stops the
 * events at once (not only the bytes still to come) and pauses the source, so a slow reader holds the provider back.
 * A line longer than {@link SseParser#MAX_LINE_BYTES} reaches the exception handler as an IllegalStateException.
 */
public final class SseEventStream implements ReadStream<SseEvent> {
  private final RecordParser lines;
  private Handler<SseEvent> handler;

  public SseEventStream(ReadStream<Buffer> source) {
    SseParser parser = new SseParser(event -> {
      Handler<SseEvent> h = handler;
      if (h != null) {
        h.handle(event);
      }
    });
    lines = RecordParser.newDelimited("\n", source);
    lines.maxRecordSize(SseParser.MAX_LINE_BYTES);
    lines.handler(parser::line);
  }

  @Override
  public SseEventStream handler(Handler<SseEvent> handler) {
    this.handler = handler;
    return this;
  }

  @Override
  public SseEventStream exceptionHandler(Handler<Throwable> handler) {
    lines.exceptionHandler(handler);
    return this;
  }

  @Override
  public SseEventStream endHandler(Handler<Void> handler) {
    lines.endHandler(handler);
    return this;
  }

  @Override
  public SseEventStream pause() {
    lines.pause();
    return this;
  }

  @Override
  public SseEventStream resume() {
    lines.resume();
    return this;
  }

  @Override
  public SseEventStream fetch(long amount) {
    lines.fetch(amount);
    return this;
  }
}
