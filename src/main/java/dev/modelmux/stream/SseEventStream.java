package dev.modelmux.stream;

import dev.modelmux.core.SseEvent;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;
import java.util.ArrayDeque;

/**
 * The server-sent events of a byte stream (an upstream response), as a stream of their own: pausing it stops the
 * events at once (not only the bytes still to come; the events already read wait here) and pauses the source, so a
 * slow reader holds the provider back. A line longer than {@link SseParser#MAX_LINE_BYTES} reaches the exception
 * handler as a {@link SseParser.TooLong}. After the events of one network chunk, the chunk-end handler runs, so a
 * relay can write them in one go.
 */
public final class SseEventStream implements ReadStream<SseEvent> {
  private final ReadStream<Buffer> source;
  private final SseParser parser = new SseParser(this::parsed);
  private ArrayDeque<SseEvent> waiting;
  private Handler<SseEvent> handler;
  private Handler<Throwable> exceptionHandler;
  private Handler<Void> endHandler;
  private Handler<Void> chunkEndHandler;
  private long demand = Long.MAX_VALUE;
  private boolean sourceEnded;
  private boolean ended;

  public SseEventStream(ReadStream<Buffer> source) {
    this.source = source;
    source.handler(this::chunk);
    source.exceptionHandler(this::failed);
    source.endHandler(v -> {
      sourceEnded = true;
      deliver();
    });
  }

  @Override
  public SseEventStream handler(Handler<SseEvent> handler) {
    this.handler = handler;
    return this;
  }

  @Override
  public SseEventStream exceptionHandler(Handler<Throwable> handler) {
    this.exceptionHandler = handler;
    return this;
  }

  @Override
  public SseEventStream endHandler(Handler<Void> handler) {
    this.endHandler = handler;
    return this;
  }

  /** Runs once the events read from one network chunk (or released by a resume) were handled. */
  public SseEventStream chunkEndHandler(Handler<Void> handler) {
    this.chunkEndHandler = handler;
    return this;
  }

  @Override
  public SseEventStream pause() {
    demand = 0;
    return this;
  }

  @Override
  public SseEventStream resume() {
    return fetch(Long.MAX_VALUE);
  }

  @Override
  public SseEventStream fetch(long amount) {
    if (amount > 0) {
      demand = demand + amount < 0 ? Long.MAX_VALUE : demand + amount;
      deliver();
    }
    return this;
  }

  private void chunk(Buffer chunk) {
    try {
      parser.handle(chunk);
    } catch (SseParser.TooLong tooLong) {
      failed(tooLong);
      return;
    }
    chunkEnd();
  }

  private void parsed(SseEvent event) {
    if (demand > 0 && (waiting == null || waiting.isEmpty())) {
      emit(event);
      return;
    }
    if (waiting == null) {
      waiting = new ArrayDeque<>();
    }
    waiting.add(event);
    source.pause();
  }

  private void deliver() {
    boolean any = false;
    while (demand > 0 && waiting != null && !waiting.isEmpty()) {
      emit(waiting.poll());
      any = true;
    }
    if (any) {
      chunkEnd();
    }
    if (waiting == null || waiting.isEmpty()) {
      if (sourceEnded) {
        end();
      } else if (demand > 0) {
        source.resume();
      }
    }
  }

  private void emit(SseEvent event) {
    if (demand != Long.MAX_VALUE) {
      demand--;
    }
    Handler<SseEvent> h = handler;
    if (h != null) {
      h.handle(event);
    }
  }

  private void chunkEnd() {
    Handler<Void> h = chunkEndHandler;
    if (h != null) {
      h.handle(null);
    }
  }

  private void end() {
    if (ended) {
      return;
    }
    ended = true;
    Handler<Void> h = endHandler;
    if (h != null) {
      h.handle(null);
    }
  }

  private void failed(Throwable cause) {
    Handler<Throwable> h = exceptionHandler;
    if (h != null) {
      h.handle(cause);
    }
  }
}
