package dev.modelmux.interactions;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Set;

/**
 * One person's verdict on one answer, as {@code POST /v1/feedback} takes it: a rating, a hallucination flag with the
 * flagged spans of the output, a correction, a comment. One per (request, user): a second replaces the first.
 */
public record Feedback(String requestId, String user, String rating, boolean hallucination, JsonArray spans, String correction,
    String comment, long createdAtMs) {
  private static final Set<String> FIELDS = Set.of("request_id", "rating", "hallucination", "spans", "correction", "comment", "user");
  static final int MAX_TEXT = 20_000;

  /** The same feedback on another request id (the id the answer is logged under). */
  public Feedback withRequestId(String id) {
    return new Feedback(id, user, rating, hallucination, spans, correction, comment, createdAtMs);
  }

  /** Validates a body; throws {@link IllegalArgumentException} naming the field. {@code defaultUser} when it names none. */
  public static Feedback parse(JsonObject body, String defaultUser, long nowMs) {
    for (String name : body.fieldNames()) {
      if (!FIELDS.contains(name)) {
        throw new IllegalArgumentException("Unknown field '" + name + "'; feedback takes " + String.join(", ", FIELDS.stream().sorted().toList()) + ".");
      }
    }
    String requestId = text(body, "request_id", true, 200);
    String rating = text(body, "rating", false, 10);
    if (rating != null && !rating.equals("up") && !rating.equals("down")) {
      throw new IllegalArgumentException("'rating' must be \"up\" or \"down\".");
    }
    Object flag = body.getValue("hallucination");
    if (flag != null && !(flag instanceof Boolean)) {
      throw new IllegalArgumentException("'hallucination' must be true or false.");
    }
    JsonArray spans = spans(body.getValue("spans"));
    String correction = text(body, "correction", false, MAX_TEXT);
    String comment = text(body, "comment", false, MAX_TEXT);
    if (rating == null && flag == null && spans.isEmpty() && correction == null && comment == null) {
      throw new IllegalArgumentException("Feedback needs at least one of rating, hallucination, spans, correction, comment.");
    }
    String user = text(body, "user", false, 200);
    return new Feedback(requestId, user == null ? defaultUser : user, rating, Boolean.TRUE.equals(flag), spans, correction, comment, nowMs);
  }

  private static String text(JsonObject body, String field, boolean required, int max) {
    Object value = body.getValue(field);
    if (value == null) {
      if (required) {
        throw new IllegalArgumentException("'" + field + "' is required.");
      }
      return null;
    }
    if (!(value instanceof String s) || s.isBlank()) {
      throw new IllegalArgumentException("'" + field + "' must be a non-empty string.");
    }
    if (s.length() > max) {
      throw new IllegalArgumentException("'" + field + "' is longer than " + max + " characters.");
    }
    return s;
  }

  private static JsonArray spans(Object value) {
    if (value == null) {
      return new JsonArray();
    }
    if (!(value instanceof JsonArray list) || list.size() > 1000) {
      throw new IllegalArgumentException("'spans' must be a list of {\"start\": N, \"end\": M} (at most 1000).");
    }
    JsonArray clean = new JsonArray();
    for (int i = 0; i < list.size(); i++) {
      if (!(list.getValue(i) instanceof JsonObject span) || !(span.getValue("start") instanceof Number start)
          || !(span.getValue("end") instanceof Number end) || start.longValue() < 0 || end.longValue() < start.longValue()
          || span.size() != 2) {
        throw new IllegalArgumentException("'spans[" + i + "]' must be {\"start\": N, \"end\": M} with 0 <= N <= M.");
      }
      clean.add(new JsonObject().put("start", start.longValue()).put("end", end.longValue()));
    }
    return clean;
  }
}
