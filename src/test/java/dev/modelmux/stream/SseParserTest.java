package dev.modelmux.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.modelmux.core.SseEvent;
import io.vertx.core.buffer.Buffer;
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
