package dev.modelmux.core;

/** What one upstream stream event meant for the client. */
public enum StreamStep {
  /** Nothing the client must see yet (role header, ping, empty filter chunk): keep it until content arrives. */
  HOLD,
  /** Content (text, tool call or finish): commit the response if not yet done and send. */
  CONTENT,
  /** The answer is complete: end the client stream now, whatever the upstream does next. */
  COMPLETE
}
