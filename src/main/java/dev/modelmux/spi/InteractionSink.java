package dev.modelmux.spi;

/** Where ended requests go to be recorded (the interaction log); it must never block or fail the caller. */
public interface InteractionSink {
  /**
   * Whether the request now starting is to be recorded (sampling); decided first, so its answer can be kept. A request
   * it says yes to must be handed to {@link #record} when it ends.
   */
  boolean begin(String requestId);

  /** Hands over a recorded request; returns at once (a full queue drops it, counted). */
  void record(Interaction interaction);

  /** The most answer bytes a recorded request keeps. */
  int maxAnswerBytes();
}
