package dev.modelmux.exchange;

/** What a request's attempts cost, added up: a failed or lost attempt costs too. */
public final class Bill {
  private long promptTokens;
  private long completionTokens;
  private double costUsd;

  /** An attempt's tokens and their price. */
  public void add(long prompt, long completion, double usd) {
    promptTokens += prompt;
    completionTokens += completion;
    costUsd += usd;
  }

  /** Prompt tokens over every attempt of the request. */
  public long promptTokens() {
    return promptTokens;
  }

  public long completionTokens() {
    return completionTokens;
  }

  public long tokens() {
    return promptTokens + completionTokens;
  }

  /** What the request cost over every attempt, in US dollars at the deployments' configured prices. */
  public double costUsd() {
    return costUsd;
  }
}
