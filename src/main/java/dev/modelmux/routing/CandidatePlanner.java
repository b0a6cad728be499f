package dev.modelmux.routing;

import dev.modelmux.budget.Headroom;
import dev.modelmux.config.RouteConfig;
import dev.modelmux.core.ChatRequest;
import dev.modelmux.fit.ContextTrimmer;
import dev.modelmux.spi.PromptChoice;
import dev.modelmux.tokens.PromptTokens;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;

/**
 * Orders a route's deployments for one request. Deployments whose window holds the prompt and the requested output
 * come first; those whose window is smaller follow with the context trimmed to fit (oldest turns first, never the
 * system prompt or the last user turn), and are skipped when it cannot be; a route with {@code degrade: false}
 * keeps to its first tier. Tiers are walked in order and,
 * within a tier, deployments go by headroom, then recent time to first token, then price; {@code order: cost}
 * puts the cheapest fitting deployment first.
 */
public final class CandidatePlanner {
  /** Headroom is compared in tenths, so that latency and price can decide between deployments with room to spare. */
  private static final int HEADROOM_STEPS = 10;
  /** Latencies within this many milliseconds count as equal. */
  private static final double LATENCY_STEP_MS = 50;

  /**
   * One deployment to try, with the request to send it (rendered for its family when it calls a task, trimmed when
   * its window is smaller) and the tokens to reserve on it (prompt as it counts them + the output it may produce).
   *
   * @param tier the route tier the deployment belongs to (0 is the best)
   * @param prompt the task's variant this request was rendered from, or null for a plain request
   */
  public record Candidate(Deployment deployment, ChatRequest request, int promptTokens, int reserveTokens, int tokensTrimmed, int tier,
      PromptChoice prompt) {}

  /** What one deployment is sent: a request rendered for it (its own prompt tokens) and the variant it came from. */
  public record Rendering(PromptTokens tokens, PromptChoice prompt) {}

  /** @param candidates ordered; empty when nothing fits, then {@code largestWindow} says what the best would hold */
  public record Plan(List<Candidate> candidates, int promptTokens, int largestWindow) {
    public boolean tooLarge() {
      return candidates.isEmpty();
    }
  }

  private CandidatePlanner() {}

  /** @param clientMax the client's output cap, or null when it set none */
  public static Plan plan(Route route, PromptTokens tokens, Integer clientMax, int rotation) {
    Rendering same = new Rendering(tokens, null);
    return plan(route, deployment -> same, clientMax, rotation);
  }

  /**
   * @param renderings what each deployment is sent (a task renders its variant per family); null skips the deployment
   * @param clientMax the client's output cap, or null when it set none (a rendering's own cap, if lower, wins)
   */
  public static Plan plan(Route route, Function<Deployment, Rendering> renderings, Integer clientCap, int rotation) {
    List<List<Deployment>> tiers = route.degrade() ? route.tiers() : route.tiers().subList(0, 1);
    List<Candidate> ordered = new ArrayList<>();
    List<Candidate> trimmed = new ArrayList<>();
    int largestWindow = 0;
    int smallestPrompt = Integer.MAX_VALUE;
    for (int tierIndex = 0; tierIndex < tiers.size(); tierIndex++) {
      List<Deployment> tier = tiers.get(tierIndex);
      int tierNumber = tierIndex;
      List<Candidate> fitting = new ArrayList<>();
      for (int i = 0; i < tier.size(); i++) {
        Deployment deployment = tier.get((rotation + i) % tier.size());
        Rendering rendering = renderings.apply(deployment);
        if (rendering == null) {
          continue;
        }
        PromptTokens tokens = rendering.tokens();
        Integer clientMax = lower(clientCap, tokens.request().maxOutputTokens());
        int prompt = tokens.estimate(deployment.config());
        int window = deployment.config().contextWindow();
        largestWindow = Math.max(largestWindow, window);
        smallestPrompt = Math.min(smallestPrompt, prompt);
        int needed = prompt + (clientMax == null ? 1 : Math.min(clientMax, deployment.config().maxOutputTokens()));
        if (needed <= window) {
          fitting.add(new Candidate(deployment, tokens.request(), prompt, prompt + output(deployment, clientMax, prompt), 0,
              tierNumber, rendering.prompt()));
        } else {
          ContextTrimmer.trim(tokens.request(), deployment.config(), ContextTrimmer.promptBudget(deployment.config(), clientMax))
              .ifPresent(t -> trimmed.add(new Candidate(deployment, t.request(), t.promptTokens(),
                  t.promptTokens() + output(deployment, clientMax, t.promptTokens()), t.tokensDropped(), tierNumber,
                  rendering.prompt())));
        }
      }
      if (route.order() == RouteConfig.Order.TIERS) {
        fitting.sort(WITHIN_TIER);
      }
      ordered.addAll(fitting);
    }
    if (route.order() == RouteConfig.Order.COST) {
      ordered.sort(Comparator.comparingDouble(CandidatePlanner::cost).thenComparing(WITHIN_TIER));
      trimmed.sort(Comparator.comparingDouble(CandidatePlanner::cost).thenComparing(WITHIN_TIER));
    }
    ordered.addAll(trimmed);
    return new Plan(ordered, smallestPrompt == Integer.MAX_VALUE ? 0 : smallestPrompt, largestWindow);
  }

  private static Integer lower(Integer a, Integer b) {
    return a == null ? b : b == null ? a : Integer.valueOf(Math.min(a, b));
  }

  private static int output(Deployment deployment, Integer clientMax, int prompt) {
    int maxOutput = deployment.config().maxOutputTokens();
    return clientMax != null ? Math.min(clientMax, maxOutput) : Math.min(deployment.config().defaultMaxTokens(), deployment.config().contextWindow() - prompt);
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
