package dev.modelmux.upstream;

/** Lets tests outside this package fail an attempt as a lost hedge does (only an attempt makes one in main code). */
public final class HedgeLosses {
  private HedgeLosses() {}

  public static UpstreamAttempt.HedgeLost one() {
    return new UpstreamAttempt.HedgeLost();
  }
}
