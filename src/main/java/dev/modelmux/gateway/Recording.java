package dev.modelmux.gateway;

/** What the interaction log is told when a request ends: nothing ({@link #NONE}) unless the request was sampled. */
interface Recording {
  Recording NONE = (status, outcome, rawOutput) -> { };

  void ended(int status, String outcome, String rawOutput);
}
