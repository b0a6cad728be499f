package dev.modelmux.routing;

import dev.modelmux.budget.Headroom;
import dev.modelmux.config.RouteConfig;
import dev.modelmux.tokens.PromptTokens;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Orders a route's deployments for one request. Deployments whose window cannot hold the prompt and the requested
 * output are skipped; a route with {@code degrade: false} keeps to its first tier. Tiers are walked in order and,
 * within a tier, deployments go by headroom, then recent time to first token, then price; {@code order: cost}
 * puts the cheapest fitting deployment first.
 */
public final class CandidatePlanner {
  /** Headroom is compared in tenths, so that latency and price can decide between deployments with room to spare. */
  private static final int HEADROOM_STEPS = 10;
  /** Latencies within this many milliseconds count as equal. */
  private static final double LATENCY_STEP_MS = 50;

  /** One deployment to try, with the tokens to reserve on it (prompt as it counts them + the output it may produce). */
  public record Candidate(Deployment deployment, int promptTokens, int reserveTokens) {}

  /** @param candidates ordered; empty when nothing fits, then {@code largestWindow} says what the best would hold */
  public record Plan(List<Candidate> candidates, int promptTokens, int largestWindow) {
    public boolean tooLarge() {
      return candidates.isEmpty();
    }
  }

  private CandidatePlanner() {}

  /** @param clientMax the client's output cap, or null when it set none */
  public static Plan plan(Route route, PromptTokens tokens, Integer clientMax, int rotation) {
    List<List<Deployment>> tiers = route.degrade() ? route.tiers() : route.tiers().subList(0, 1);
    List<Candidate> ordered = new ArrayList<>();
    int largestWindow = 0;
    int smallestPrompt = Integer.MAX_VALUE;
    for (List<Deployment> tier : tiers) {
      List<Candidate> fitting = new ArrayList<>();
      for (int i = 0; i < tier.size(); i++) {
        Deployment deployment = tier.get((rotation + i) % tier.size());
        int prompt = tokens.estimate(deployment.config());
        int window = deployment.config().contextWindow();
        largestWindow = Math.max(largestWindow, window);
        smallestPrompt = Math.min(smallestPrompt, prompt);
        int maxOutput = deployment.config().maxOutputTokens();
        int needed = prompt + (clientMax == null ? 1 : Math.min(clientMax, maxOutput));
        if (needed <= window) {
          int output = clientMax != null ? Math.min(clientMax, maxOutput) : Math.min(deployment.config().defaultMaxTokens(), window - prompt);
          fitting.add(new Candidate(deployment, prompt, prompt + output));
        }
      }
      if (route.order() == RouteConfig.Order.TIERS) {
        fitting.sort(WITHIN_TIER);
      }
      ordered.addAll(fitting);
    }
    if (route.order() == RouteConfig.Order.COST) {
      ordered.sort(Comparator.comparingDouble(CandidatePlanner::cost).thenComparing(WITHIN_TIER));
    }
    return new Plan(ordered, smallestPrompt == Integer.MAX_VALUE ? 0 : smallestPrompt, largestWindow);
  }

  private static final Comparator<Candidate> WITHIN_TIER = Comparator
      .comparingInt((Candidate c) -> -headroomStep(c.deployment().state().headroom()))
      .thenComparingLong(c -> Math.round(c.deployment().state().ttftMs() / LATENCY_STEP_MS))
      .thenComparingDouble(CandidatePlanner::cost);

  private static int headroomStep(Headroom headroom) {
    return headroom == null ? HEADROOM_STEPS : (int) Math.floor(headroom.freeFraction() * HEADROOM_STEPS);
  }

  private static double cost(Candidate c) {
    return c.deployment().cost(c.promptTokens(), c.reserveTokens() - c.promptTokens());
  }
}
