package dev.modelmux.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.modelmux.config.ConfigException;
import dev.modelmux.config.ConfigNode;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/** Every assertion type passes the answers it should and fails the others with a reason. */
class AssertionsTest {
  private static final Answer PROSE = answer("The Java loop adds each element to sum.", 12, 800);
  private static final Answer JSON = answer("{\"tests\": [{\"name\": \"adds\", \"n\": 2}]}", 30, 100);

  @Test
  void textAssertions() {
    passes("equals: \"The Java loop adds each element to sum.\"", PROSE);
    passes("contains: sum", PROSE);
    passes("icontains: JAVA", PROSE);
    passes("starts-with: The Java", PROSE);
    passes("regex: \"(?i)loop.*sum\\\\.$\"", PROSE);
  }

  /** Every failure reads as a sentence: the verb agrees ("to contain", not "to contains"). */
  @Test
  void failureMessagesAreEnglish() {
    failsWith("equals: \"The Java loop\"", PROSE, "expected the answer to equal \"The Java loop\"");
    failsWith("contains: Sum", PROSE, "expected the answer to contain \"Sum\"");
    failsWith("icontains: zebra", PROSE, "expected the answer to contain \"zebra\" (ignoring case)");
    failsWith("starts-with: Java", PROSE, "expected the answer to start with \"Java\"");
    failsWith("regex: \"^sum\"", PROSE, "expected the answer to match \"^sum\"");
    failsWith("contains-any: [zebra, lion]", PROSE, "expected the answer to contain one of [zebra, lion]; none found");
    failsWith("contains-all: [loop, zebra]", PROSE, "expected the answer to contain all of [loop, zebra]; missing [zebra]");
    failsWith("icontains-all: [LOOP, ZEBRA]", PROSE, "expected the answer to contain all of [LOOP, ZEBRA] (ignoring case); missing [ZEBRA]");
    failsWith("not-contains: loop", PROSE, "expected the answer not to contain \"loop\"");
    failsWith("not-icontains: JAVA", PROSE, "expected the answer not to contain \"JAVA\" (ignoring case)");
    failsWith("not-starts-with: The", PROSE, "expected the answer not to start with \"The\"");
    failsWith("not-equals: \"The Java loop adds each element to sum.\"", PROSE,
        "expected the answer not to equal \"The Java loop adds each element to sum.\"");
    failsWith("not-regex: loop", PROSE, "expected the answer not to match \"loop\"");
    failsWith("not-contains-any: [zebra, loop]", PROSE, "expected the answer to contain none of [zebra, loop]; found [loop]");
    failsWith("not-is-json: true", JSON, "expected the answer not to be JSON");
    failsWith("is-json: true", PROSE, "expected the answer to be JSON");
  }

  private static void failsWith(String yaml, Answer answer, String reason) {
    assertThat(parse(yaml).check(answer)).as(yaml).isEqualTo(reason);
  }

  @Test
  void listAssertions() {
    passes("contains-any: [zebra, loop]", PROSE);
    fails("contains-any: [zebra, lion]", PROSE, "one of [zebra, lion]; none found");
    passes("contains-all: [loop, sum]", PROSE);
    fails("contains-all: [loop, zebra]", PROSE, "missing [zebra]");
    passes("icontains-all: [JAVA, LOOP]", PROSE);
    passes("icontains-any: [ZEBRA, SUM]", PROSE);
  }

  @Test
  void negatedAssertions() {
    passes("not-contains: \"Sure!\"", PROSE);
    fails("not-contains: loop", PROSE, "not to contain");
    passes("not-icontains-any: [\"let me know\", \"sure!\"]", PROSE);
    passes("not-starts-with: Here is", PROSE);
    passes("not-regex: \"^Sure\"", PROSE);
    passes("not-equals: other", PROSE);
    passes("not-is-json: true", PROSE);
  }

  @Test
  void jsonAssertions() {
    passes("is-json: true", JSON);
    fails("is-json: true", PROSE, "to be JSON");
    passes("is-json: { type: object, required: [tests] }", JSON);
    fails("is-json: { type: object, required: [cases] }", JSON, "does not match the schema");
    passes("json-path: { path: \"$.tests[0].name\", equals: adds }", JSON);
    passes("json-path: { path: \"$.tests[0].n\", equals: 2.0 }", JSON);
    fails("json-path: { path: \"$.tests[0].name\", equals: subtracts }", JSON, "is adds, expected subtracts");
    fails("json-path: { path: \"$.nothing\", equals: 1 }", JSON, "not in the answer");
  }

  @Test
  void limits() {
    passes("max_tokens: 12", PROSE);
    fails("max_tokens: 11", PROSE, "12 completion tokens, over 11");
    passes("max_latency_ms: 800", PROSE);
    fails("max_latency_ms: 500", PROSE, "800 ms, over 500");
  }

  @Test
  void malformedAssertionsNameTheirField() {
    assertThatThrownBy(() -> parse("containz: x")).isInstanceOf(ConfigException.class).hasMessageContaining("case.containz");
    assertThatThrownBy(() -> parse("not-max_tokens: 3")).hasMessageContaining("cannot be negated");
    assertThatThrownBy(() -> parse("regex: \"(\"")).hasMessageContaining("not a valid regular expression");
    assertThatThrownBy(() -> parse("max_tokens: -1")).hasMessageContaining("whole number");
    assertThatThrownBy(() -> parse("contains-any: []")).hasMessageContaining("non-empty list");
    assertThatThrownBy(() -> parse("json-path: { path: \"$.a\" }")).hasMessageContaining("equals");
  }

  private static void passes(String yaml, Answer answer) {
    assertThat(parse(yaml).check(answer)).as(yaml).isNull();
  }

  private static void fails(String yaml, Answer answer, String reason) {
    assertThat(parse(yaml).check(answer)).as(yaml).isNotNull().contains(reason);
  }

  private static Assertion parse(String yaml) {
    try {
      return Assertions.parse(ConfigNode.of(new ObjectMapper(new YAMLFactory()).readTree(yaml), "case"));
    } catch (IOException e) {
      throw new IllegalArgumentException(e);
    }
  }

  private static Answer answer(String text, int completionTokens, long latencyMs) {
    return new Answer(200, text, null, latencyMs, 10, completionTokens, "d", "t/v@1234567", "m", null);
  }
}
