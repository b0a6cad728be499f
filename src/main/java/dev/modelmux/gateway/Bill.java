package dev.modelmux.gateway;

/** What a request's attempts cost, added up: a failed or lost attempt costs too. */
final class Bill {
  private long promptTokens;
  private long completionTokens;
  private double costUsd;

  /** An attempt's tokens and their price. */
  void add(long prompt, long completion, double usd) {
    promptTokens += prompt;
    completionTokens += completion;
    costUsd += usd;
  }

  /** Prompt tokens over every attempt of the request. */
  long promptTokens() {
    return promptTokens;
  }

  long completionTokens() {
    return completionTokens;
  }

  long tokens() {
    return promptTokens + completionTokens;
  }

  /** What the request cost over every attempt, in US dollars at the deployments' configured prices. */
  double costUsd() {
    return costUsd;
  }
}
