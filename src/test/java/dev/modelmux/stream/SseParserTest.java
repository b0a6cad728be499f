package dev.modelmux.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.modelmux.core.SseEvent;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SseParserTest {
  private static final String STREAM =
      "data: {\"choices\":[{\"delta\":{\"content\":\"héllo – 世界 🚀\"}}]}\n\n"
          + ": keep-alive comment\n\n"
          + "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"text\":\"ünïcödé\"}\n\n"
          + "data: first line\ndata: second line\n\n"
          + "event: ping\r\ndata: {\"type\":\"ping\"}\r\n\r\n"
          + "data: [DONE]\n\n";

  private static final List<SseEvent> EXPECTED = List.of(
      new SseEvent("message", "{\"choices\":[{\"delta\":{\"content\":\"héllo – 世界 🚀\"}}]}"),
      new SseEvent("content_block_delta", "{\"type\":\"content_block_delta\",\"text\":\"ünïcödé\"}"),
      new SseEvent("message", "first line\nsecond line"),
      new SseEvent("ping", "{\"type\":\"ping\"}"),
      new SseEvent("message", "[DONE]"));

  @Test
  void wholeStreamInOneChunk() {
    assertThat(parse(List.of(bytes(STREAM)))).isEqualTo(EXPECTED);
  }

  @Test
  void splitIntoTwoChunksAtEveryByteOffset() {
    byte[] all = bytes(STREAM);
    for (int cut = 0; cut <= all.length; cut++) {
      List<byte[]> chunks = List.of(slice(all, 0, cut), slice(all, cut, all.length));
      assertThat(parse(chunks)).as("split at byte %d", cut).isEqualTo(EXPECTED);
    }
  }

  @Test
  void oneByteAtATime() {
    byte[] all = bytes(STREAM);
    List<byte[]> chunks = new ArrayList<>();
    for (int i = 0; i < all.length; i++) {
      chunks.add(slice(all, i, i + 1));
    }
    assertThat(parse(chunks)).isEqualTo(EXPECTED);
  }

  @Test
  void anIncompleteFinalEventIsNotDispatched() {
    assertThat(parse(List.of(bytes("data: complete\n\ndata: cut off")))).containsExactly(new SseEvent("message", "complete"));
  }

  @Test
  void aLineWithoutEndIsRefusedPastTheLimit() {
    List<SseEvent> events = new ArrayList<>();
    SseParser parser = new SseParser(events::add);
    Buffer huge = Buffer.buffer(new byte[SseParser.MAX_LINE_BYTES + 1]);
    assertThatThrownBy(() -> parser.handle(huge)).isInstanceOf(IllegalStateException.class);
  }

  /** Many data lines and no blank line: the event's data is refused past the limit instead of growing the heap. */
  @Test
  void anEventThatNeverEndsIsRefusedPastTheLimit() {
    List<SseEvent> events = new ArrayList<>();
    SseParser parser = new SseParser(events::add);
    byte[] line = bytes("data: " + "a".repeat(1024 * 1024) + "\n");
    assertThatThrownBy(() -> {
      for (int i = 0; i < 9; i++) {
        parser.handle(Buffer.buffer(line));
      }
    }).isInstanceOf(SseParser.TooLong.class).hasMessageContaining("event's data");
    assertThatThrownBy(() -> parser.handle(Buffer.buffer(bytes("\n")))).isInstanceOf(SseParser.TooLong.class);
    assertThat(events).isEmpty();
  }

  /** Only the parser's own limit is "oversized": whatever the event handler throws is not turned into one. */
  @Test
  void theStreamReportsOnlyTheParsersOwnLimitAsOversized() {
    List<Throwable> reported = new ArrayList<>();
    Source source = new Source();
    SseEventStream stream = new SseEventStream(source);
    stream.exceptionHandler(reported::add);
    stream.handler(event -> {
      throw new IllegalStateException("the relay's own failure");
    });
    assertThatThrownBy(() -> source.push(bytes("data: x\n\n"))).hasMessage("the relay's own failure");
    assertThat(reported).isEmpty();
    source.push(new byte[SseParser.MAX_LINE_BYTES + 1]);
    assertThat(reported).singleElement().isInstanceOf(SseParser.TooLong.class);
  }

  /** A source that hands over what the test pushes, at once. */
  private static final class Source implements ReadStream<Buffer> {
    private Handler<Buffer> handler;

    void push(byte[] chunk) {
      handler.handle(Buffer.buffer(chunk));
    }

    @Override
    public Source exceptionHandler(Handler<Throwable> handler) {
      return this;
    }

    @Override
    public Source handler(Handler<Buffer> handler) {
      this.handler = handler;
      return this;
    }

    @Override
    public Source pause() {
      return this;
    }

    @Override
    public Source resume() {
      return this;
    }

    @Override
    public Source fetch(long amount) {
      return this;
    }

    @Override
    public Source endHandler(Handler<Void> endHandler) {
      return this;
    }
  }

  @Test
  void splitIntoThreeChunksAtEveryPairOfOffsets() {
    byte[] all = bytes(STREAM);
    for (int a = 0; a <= all.length; a += 3) {
      for (int b = a; b <= all.length; b++) {
        List<byte[]> chunks = List.of(slice(all, 0, a), slice(all, a, b), slice(all, b, all.length));
        assertThat(parse(chunks)).as("split at bytes %d and %d", a, b).isEqualTo(EXPECTED);
      }
    }
  }

  /** Only an event that is exactly "data: " + data + "\n\n" keeps its bytes to be forwarded as they came. */
  @Test
  void theWireIsKeptOnlyForTheCanonicalShape() {
    List<SseEvent> events = parse(List.of(bytes("data: {\"a\":1}\n\n"
        + "data:{\"b\":2}\n\n"
        + "data: {\"c\":3}\r\n\r\n"
        + "data: {\"d\":4}\n\r\n"
        + "event: x\ndata: {\"e\":5}\n\n"
        + ": hi\ndata: {\"f\":6}\n\n"
        + "data: {\"g\":7}\n: bye\n\n"
        + "id: 9\ndata: {\"h\":8}\n\n"
        + "data:  {\"i\":9}\n\n"
        + "data: \n\n")));
    assertThat(events).extracting(SseEvent::data).containsExactly("{\"a\":1}", "{\"b\":2}", "{\"c\":3}", "{\"d\":4}", "{\"e\":5}",
        "{\"f\":6}", "{\"g\":7}", "{\"h\":8}", " {\"i\":9}", "");
    assertThat(events).extracting(SseParserTest::wire).containsExactly(
        "data: {\"a\":1}\n\n", null, null, null, null, null, null, null, "data:  {\"i\":9}\n\n", "data: \n\n");
    for (SseEvent event : events) {
      Buffer out = Buffer.buffer();
      event.appendTo(out);
      assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("data: " + event.data() + "\n\n");
    }
  }

  /** Wherever a stream is cut, an event's wire, when kept, is byte for byte what re-encoding its data would give. */
  @Test
  void aKeptWireIsAlwaysTheEventsOwnEncodingWhereverTheStreamIsCut() {
    byte[] all = bytes(STREAM);
    for (int cut = 0; cut <= all.length; cut++) {
      for (SseEvent event : parse(List.of(slice(all, 0, cut), slice(all, cut, all.length)))) {
        String wire = wire(event);
        if (wire != null) {
          assertThat(wire).as("cut at %d", cut).isEqualTo("data: " + event.data() + "\n\n");
        }
      }
    }
    List<SseEvent> whole = parse(List.of(all));
    assertThat(wire(whole.get(0))).isNotNull();
    assertThat(wire(whole.get(4))).isNotNull();
  }

  /** Events point into the chunks they came in: what comes later must not change an event already handed out. */
  @Test
  void eventsHandedOutStayAsTheyWereWhileLaterChunksArrive() {
    List<SseEvent> events = new ArrayList<>();
    SseParser parser = new SseParser(events::add);
    parser.handle(Buffer.buffer("data: one\n\ndata: tw"));
    parser.handle(Buffer.buffer("o\n\ndata: thr"));
    parser.handle(Buffer.buffer("ee\n"));
    parser.handle(Buffer.buffer("\ndata: four\n\ndata: " + "x".repeat(1000)));
    parser.handle(Buffer.buffer("y".repeat(1000) + "\n\n"));
    assertThat(events).extracting(SseEvent::data).containsExactly("one", "two", "three", "four", "x".repeat(1000) + "y".repeat(1000));
    assertThat(events).extracting(SseParserTest::wire).containsExactly(
        "data: one\n\n", "data: two\n\n", null, "data: four\n\n", "data: " + "x".repeat(1000) + "y".repeat(1000) + "\n\n");
  }

  @Test
  void aLineGrowingPastTheLimitAcrossChunksIsRefused() {
    SseParser parser = new SseParser(event -> { });
    parser.handle(Buffer.buffer("data: ok\n\ndata: "));
    Buffer part = Buffer.buffer(new byte[1024 * 1024]);
    assertThatThrownBy(() -> {
      for (int i = 0; i < 9; i++) {
        parser.handle(part);
      }
    }).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void manyCommentLinesInOneEventAreNotKept() {
    List<SseEvent> events = new ArrayList<>();
    SseParser parser = new SseParser(events::add);
    Buffer comment = Buffer.buffer(": " + "z".repeat(1022) + "\n");
    for (int i = 0; i < 10_000; i++) { // 10 MB of comments, past the line limit in all, in one unfinished event
      parser.handle(comment);
    }
    parser.handle(Buffer.buffer("data: after\n\n"));
    assertThat(events).containsExactly(new SseEvent("message", "after"));
  }

  /** The bytes the event arrived as, when it arrived in the canonical shape that is copied as it is; else null. */
  private static String wire(SseEvent event) {
    if (!event.arrivedCanonical()) {
      return null;
    }
    Buffer out = Buffer.buffer();
    event.appendTo(out);
    return out.toString(StandardCharsets.UTF_8);
  }

  private static List<SseEvent> parse(List<byte[]> chunks) {
    List<SseEvent> events = new ArrayList<>();
    SseParser parser = new SseParser(events::add);
    chunks.forEach(c -> parser.handle(Buffer.buffer(c)));
    return events;
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] slice(byte[] all, int from, int to) {
    byte[] part = new byte[to - from];
    System.arraycopy(all, from, part, 0, part.length);
    return part;
  }
}
