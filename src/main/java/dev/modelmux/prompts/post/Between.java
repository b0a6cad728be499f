package dev.modelmux.prompts.post;

/**
 * Keeps only the text between a start and an end marker: everything before the start marker is held and dropped,
 * the text inside goes out as it comes (less a tail that could be the start of the end marker), and everything after
 * the end marker is dropped. An answer without the start marker does not conform.
 */
final class Between implements TextProcessor {
  private enum State { SEEKING, INSIDE, DONE }

  private final String start;
  private final String end;
  private final StringBuilder held = new StringBuilder();
  private State state = State.SEEKING;

  Between(String start, String end) {
    this.start = start;
    this.end = end;
  }

  @Override
  public String push(String piece) {
    if (state == State.DONE) {
      return "";
    }
    held.append(piece);
    if (state == State.SEEKING) {
      int at = held.indexOf(start);
      if (at < 0) {
        held.delete(0, Math.max(0, held.length() - (start.length() - 1)));
        return "";
      }
      held.delete(0, at + start.length());
      state = State.INSIDE;
    }
    return inside();
  }

  private String inside() {
    if (end == null) {
      return Markers.take(held, held.length());
    }
    int at = held.indexOf(end);
    if (at >= 0) {
      String text = held.substring(0, at);
      held.setLength(0);
      state = State.DONE;
      return text;
    }
    return Markers.take(held, held.length() - Markers.partialSuffix(held, end));
  }

  @Override
  public String finish() {
    if (state == State.SEEKING) {
      throw new NonConformingAnswer("no " + start + " marker in the answer");
    }
    String rest = state == State.INSIDE ? held.toString() : "";
    held.setLength(0);
    state = State.DONE;
    return rest;
  }
}
