package dev.modelmux.core;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.util.Map;

/**
 * A validated completion request. The body stays in the client's own dialect (each translator reads what
 * it needs); the fields every stage uses are lifted out once.
 *
 * @param maxOutputTokens the client's output cap, or null when it set none
 * @param bodyBytes the size of the body as received (large prompts are counted off the event loop)
 * @param rawBody the body's bytes as received, so a translator can patch them instead of encoding the tree again;
 *     null when the body was built here (a trimmed context, say)
 * @param members where the top-level members sit in {@code rawBody}, noted when it was read; null when not known
 */
public record ChatRequest(
    String requestId,
    Dialect dialect,
    JsonObject body,
    String model,
    boolean stream,
    boolean includeUsage,
    Integer maxOutputTokens,
    int bodyBytes,
    Buffer rawBody,
    MemberSpans members) {

  /** A request read from bytes whose members' places were not noted. */
  public ChatRequest(String requestId, Dialect dialect, JsonObject body, String model, boolean stream, boolean includeUsage,
      Integer maxOutputTokens, int bodyBytes, Buffer rawBody) {
    this(requestId, dialect, body, model, stream, includeUsage, maxOutputTokens, bodyBytes, rawBody, null);
  }

  /** A request whose body was built here, with no received bytes behind it. */
  public ChatRequest(String requestId, Dialect dialect, JsonObject body, String model, boolean stream, boolean includeUsage,
      Integer maxOutputTokens, int bodyBytes) {
    this(requestId, dialect, body, model, stream, includeUsage, maxOutputTokens, bodyBytes, null, null);
  }

  /** The body as JSON bytes: those received when they still say what {@link #body} says, else freshly encoded. */
  public Buffer encodedBody() {
    return rawBody != null ? rawBody : body.toBuffer();
  }

  /** The body as JSON bytes with top-level members replaced, removed or added, as {@link JsonMembers#patch} says. */
  public Buffer patchedBody(Map<String, String> changes) {
    return rawBody != null && members != null ? JsonMembers.patch(rawBody, members, changes) : JsonMembers.patch(encodedBody(), changes);
  }

  /** A top-level member's value as the client sent it, or null without one (or without received bytes). */
  public String sentMember(String name) {
    if (rawBody == null) {
      return null;
    }
    return members != null ? JsonMembers.value(rawBody, members, name) : JsonMembers.value(rawBody, name);
  }
}
