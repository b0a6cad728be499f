package dev.modelmux.api.openai;

import dev.modelmux.api.JsonKind;
import dev.modelmux.api.Shown;
import dev.modelmux.api.Wording;
import dev.modelmux.core.GatewayError;
import dev.modelmux.core.GatewayException;
import java.util.List;
import java.util.stream.Collectors;

/** OpenAI's words: "Invalid type for 'messages[0].content': expected ..., but got ... instead.", with its codes. */
final class OpenAiWording implements Wording {
  static final OpenAiWording INSTANCE = new OpenAiWording();

  private OpenAiWording() {}

  @Override
  public String member(String parent, String name) {
    return parent.isEmpty() ? name : parent + "." + name;
  }

  @Override
  public String element(String parent, int index) {
    return parent + "[" + index + "]";
  }

  @Override
  public GatewayException missing(String path) {
    return error("Missing required parameter: '" + path + "'.", path, "missing_required_parameter");
  }

  @Override
  public GatewayException wrongType(String path, List<JsonKind> expected, Object actual) {
    String wanted = expected.size() == 1 ? name(expected.get(0))
        : "one of " + expected.stream().map(OpenAiWording::name).collect(Collectors.joining(" or "));
    return error("Invalid type for '" + path + "': expected " + wanted + ", but got " + name(JsonKind.of(actual)) + " instead.",
        path, "invalid_type");
  }

  @Override
  public GatewayException emptyString(String path) {
    return error("Invalid '" + path + "': empty string. Expected a string with minimum length 1, but got an empty string instead.",
        path, "empty_string");
  }

  @Override
  public GatewayException emptyArray(String path) {
    return error("Invalid '" + path + "': empty array. Expected an array with minimum length 1, but got an empty array instead.",
        path, "empty_array");
  }

  @Override
  public GatewayException tooLong(String path, int max, int actual) {
    return error("Invalid '" + path + "': too long. Expected at most " + max + " entries, but got " + actual + " instead.",
        path, "array_above_max_length");
  }

  @Override
  public GatewayException belowMinimum(String path, Number min, Object actual) {
    String kind = JsonKind.of(actual) == JsonKind.INTEGER ? "integer" : "decimal";
    return error("Invalid '" + path + "': " + kind + " below minimum value. Expected a value >= " + min + ", but got "
        + Shown.value(actual) + " instead.", path, kind + "_below_min_value");
  }

  @Override
  public GatewayException aboveMaximum(String path, Number max, Object actual) {
    String kind = JsonKind.of(actual) == JsonKind.INTEGER ? "integer" : "decimal";
    return error("Invalid '" + path + "': " + kind + " above maximum value. Expected a value <= " + max + ", but got "
        + Shown.value(actual) + " instead.", path, kind + "_above_max_value");
  }

  @Override
  public GatewayException notOneOf(String path, List<String> allowed, Object actual) {
    String supported = allowed.size() == 1 ? "'" + allowed.get(0) + "'"
        : allowed.subList(0, allowed.size() - 1).stream().map(a -> "'" + a + "'").collect(Collectors.joining(", "))
            + ", and '" + allowed.get(allowed.size() - 1) + "'";
    return error("Invalid value for '" + path + "': '" + Shown.value(actual) + "'. Supported values are: " + supported + ".",
        path, "invalid_value");
  }

  @Override
  public GatewayException invalid(String path, String problem) {
    return error("Invalid '" + path + "': " + problem, path, "invalid_value");
  }

  private static GatewayException error(String message, String path, String code) {
    return new GatewayException(GatewayError.invalid(message, path, code));
  }

  private static String name(JsonKind kind) {
    return switch (kind) {
      case STRING -> "a string";
      case INTEGER -> "an integer";
      case NUMBER -> "a number";
      case BOOLEAN -> "a boolean";
      case OBJECT -> "an object";
      case ARRAY -> "an array";
      case NULL -> "null";
    };
  }
}
