package dev.modelmux.api;

import dev.modelmux.core.GatewayException;
import java.util.List;

/**
 * How one client dialect names a field and words what is wrong with it; each method returns the 400 to throw.
 * Every complaint says what the value was, so a message never reads "expected a string, but got a string".
 */
public interface Wording {
  /** The path of a member: {@code parent} empty for the body itself. */
  String member(String parent, String name);

  String element(String parent, int index);

  GatewayException missing(String path);

  GatewayException wrongType(String path, List<JsonKind> expected, Object actual);

  GatewayException emptyString(String path);

  GatewayException emptyArray(String path);

  GatewayException tooLong(String path, int max, int actual);

  GatewayException belowMinimum(String path, Number min, Object actual);

  GatewayException aboveMaximum(String path, Number max, Object actual);

  GatewayException notOneOf(String path, List<String> allowed, Object actual);

  /** Anything else: {@code problem} in words that read after the path. */
  GatewayException invalid(String path, String problem);
}
