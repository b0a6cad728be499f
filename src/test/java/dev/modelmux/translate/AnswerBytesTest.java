package dev.modelmux.translate;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

/** The bytes a peek reads are exactly the answer's: its own array when that holds just them, else a copy. */
class AnswerBytesTest {
  @Test
  void theBackingArrayOnlyWhenItHoldsExactlyTheAnswer() {
    Buffer exact = Buffer.buffer(new byte[] {'{', '}'});
    assertThat(Json.bytesOf(exact)).containsExactly('{', '}');
    Buffer roomy = Buffer.buffer(64).appendString("{\"a\":1}");
    assertThat(Json.bytesOf(roomy)).containsExactly("{\"a\":1}".getBytes());
    Buffer slice = Buffer.buffer("xx{\"b\":2}yy").slice(2, 9);
    assertThat(Json.bytesOf(slice)).containsExactly("{\"b\":2}".getBytes());
    assertThat(Json.bytesOf(Buffer.buffer())).isEmpty();
  }
}
