package dev.modelmux.api.anthropic;

import dev.modelmux.api.JsonKind;
import dev.modelmux.api.Shown;
import dev.modelmux.api.Wording;
import dev.modelmux.core.GatewayError;
import dev.modelmux.core.GatewayException;
import java.util.List;
import java.util.stream.Collectors;

/** Anthropic's words: the dotted path first, then the problem ("messages.0.content.1.text: Field required"). */
final class AnthropicWording implements Wording {
  static final AnthropicWording INSTANCE = new AnthropicWording();

  private AnthropicWording() {}

  @Override
  public String member(String parent, String name) {
    return parent.isEmpty() ? name : parent + "." + name;
  }

  @Override
  public String element(String parent, int index) {
    return parent + "." + index;
  }

  @Override
  public GatewayException missing(String path) {
    return error(path, "Field required");
  }

  @Override
  public GatewayException wrongType(String path, List<JsonKind> expected, Object actual) {
    return error(path, "Input should be " + expected.stream().map(AnthropicWording::name).collect(Collectors.joining(" or "))
        + ", not " + article(JsonKind.of(actual)));
  }

  @Override
  public GatewayException emptyString(String path) {
    return error(path, "String should have at least 1 character");
  }

  @Override
  public GatewayException emptyArray(String path) {
    return error(path, "List should have at least 1 item");
  }

  @Override
  public GatewayException tooLong(String path, int max, int actual) {
    return error(path, "Should have at most " + max + " items, not " + actual);
  }

  @Override
  public GatewayException belowMinimum(String path, Number min, Object actual) {
    return error(path, "Input should be greater than or equal to " + min + ", not " + Shown.value(actual));
  }

  @Override
  public GatewayException aboveMaximum(String path, Number max, Object actual) {
    return error(path, "Input should be less than or equal to " + max + ", not " + Shown.value(actual));
  }

  @Override
  public GatewayException notOneOf(String path, List<String> allowed, Object actual) {
    String options = allowed.size() == 1 ? "'" + allowed.get(0) + "'"
        : allowed.subList(0, allowed.size() - 1).stream().map(a -> "'" + a + "'").collect(Collectors.joining(", "))
            + " or '" + allowed.get(allowed.size() - 1) + "'";
    return error(path, "Input should be " + options + ", not '" + Shown.value(actual) + "'");
  }

  @Override
  public GatewayException invalid(String path, String problem) {
    return error(path, problem);
  }

  private static GatewayException error(String path, String problem) {
    return new GatewayException(GatewayError.invalid(path + ": " + problem, path, null));
  }

  private static String name(JsonKind kind) {
    return switch (kind) {
      case STRING -> "a valid string";
      case INTEGER -> "a valid integer";
      case NUMBER -> "a valid number";
      case BOOLEAN -> "a valid boolean";
      case OBJECT -> "a valid dictionary";
      case ARRAY -> "a valid list";
      case NULL -> "null";
    };
  }

  private static String article(JsonKind kind) {
    return switch (kind) {
      case STRING -> "a string";
      case INTEGER -> "an integer";
      case NUMBER -> "a decimal";
      case BOOLEAN -> "a boolean";
      case OBJECT -> "a dictionary";
      case ARRAY -> "a list";
      case NULL -> "null";
    };
  }
}
