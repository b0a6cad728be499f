package dev.modelmux.provider;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelmux.config.Secret;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RedactionTest {
  private static final Secret KEY = new Secret("sk-emu-7f3c9e21d4b8a605");

  @Test
  void theWholeKeyAndEveryFragmentOfFourOrMoreCharactersGo() {
    assertThat(Redaction.redact("key sk-emu-7f3c9e21d4b8a605 rejected", KEY)).isEqualTo("key *** rejected");
    assertThat(Redaction.redact("starts sk-em, ends a605, has 9e21d4", KEY)).isEqualTo("starts ***, ends ***, has ***");
    assertThat(Redaction.redact("masked as sk-e***a605", KEY)).isEqualTo("masked as " + "***".repeat(3));
  }

  @Test
  void theKeysOfOtherDeploymentsGoToo() {
    new Secret("sk-other-account-Qz81Lm04");
    assertThat(Redaction.redact("echoed sk-other-account-Qz81Lm04 and Lm04", KEY)).isEqualTo("echoed *** and ***");
  }

  @Test
  void transformedFormsOfTheKeyGoToo() {
    String key = "sk-emu-7f3c9e21d4b8a605";
    byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
    String piece = "9e21d4b8a6";
    Map<String, String> forms = new LinkedHashMap<>();
    forms.put("upper-cased", key.toUpperCase(Locale.ROOT));
    forms.put("mixed case", "Sk-EmU-7F3c9E21d4B8A605");
    forms.put("reversed", new StringBuilder(key).reverse().toString());
    forms.put("base64", Base64.getEncoder().encodeToString(bytes));
    forms.put("base64url", Base64.getUrlEncoder().withoutPadding().encodeToString(bytes));
    forms.put("base64 of a piece", Base64.getEncoder().encodeToString(piece.getBytes()));
    forms.put("base64url of a piece at another offset", Base64.getUrlEncoder().encodeToString(("3" + piece).getBytes()));
    forms.put("hex", HexFormat.of().formatHex(bytes));
    forms.put("upper-case hex", HexFormat.of().withUpperCase().formatHex(bytes));
    forms.put("hex of a piece", HexFormat.of().formatHex(piece.getBytes()));
    forms.put("spaced", String.join(" ", key.split("")));
    forms.put("dotted", String.join(".", key.split("")));
    forms.put("spaced and upper-cased", String.join(" - ", key.toUpperCase(Locale.ROOT).split("")));
    forms.forEach((form, echoed) -> {
      String shown = Redaction.redact("rejected [" + echoed + "] here", KEY);
      assertThat(shown).as(form).startsWith("rejected [").endsWith("] here").contains("***");
      String inside = shown.substring("rejected [".length(), shown.length() - "] here".length()).replace("***", "");
      assertThat(inside.replaceAll("[^A-Za-z0-9]", "").length()).as(form + ": what is left of " + echoed + " -> " + shown)
          .isLessThanOrEqualTo(3);
    });
  }

  @Test
  void textWithoutAFragmentIsUnchanged() {
    assertThat(Redaction.redact("Rate limit reached for gpt-4 on tokens per min.", KEY))
        .isEqualTo("Rate limit reached for gpt-4 on tokens per min.");
    assertThat(Redaction.redact("three: a60 and 7f3", KEY)).isEqualTo("three: a60 and 7f3");
    assertThat(Redaction.redact(null, KEY)).isNull();
  }

  @Test
  void aParamOrCodeIsKeptOnlyWhenKnownOrAPlainFieldPath() {
    assertThat(UpstreamErrorFields.code("context_length_exceeded")).isEqualTo("context_length_exceeded");
    assertThat(UpstreamErrorFields.code("sk-emu-7f3c9e21d4b8a605")).isNull();
    assertThat(UpstreamErrorFields.code(42)).isNull();
    assertThat(UpstreamErrorFields.param("messages[0].content", KEY)).isEqualTo("messages[0].content");
    assertThat(UpstreamErrorFields.param("tool_choice.function.name", KEY)).isEqualTo("tool_choice.function.name");
    assertThat(UpstreamErrorFields.param("messages.0.content", KEY)).isEqualTo("messages.0.content");
    assertThat(UpstreamErrorFields.param("sk-emu-7f3c9e21d4b8a605", KEY)).isNull();
    assertThat(UpstreamErrorFields.param("emu_7f3c9e21", KEY)).isNull();
    assertThat(UpstreamErrorFields.param("Authorization: Bearer x", KEY)).isNull();
  }
}
