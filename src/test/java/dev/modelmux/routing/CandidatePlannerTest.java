package dev.modelmux.routing;

import static org.assertj.core.api.Assertions.assertThat;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;
import dev.modelmux.budget.Headroom;
import dev.modelmux.config.DeploymentConfig;
import dev.modelmux.config.Limits;
import dev.modelmux.config.Price;
import dev.modelmux.config.ProviderKind;
import dev.modelmux.config.RouteConfig;
import dev.modelmux.config.Secret;
import dev.modelmux.core.ChatRequest;
import dev.modelmux.core.Dialect;
import dev.modelmux.metrics.GatewayMetrics;
import dev.modelmux.provider.Providers;
import dev.modelmux.routing.CandidatePlanner.Candidate;
import dev.modelmux.routing.CandidatePlanner.Plan;
import dev.modelmux.tokens.PromptTokens;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Window fit, cost order, tier order, degrade, and prompt counts that match jtokkit's own. */
class CandidatePlannerTest {
  private static final GatewayMetrics METRICS = new GatewayMetrics(null);
  private static final EncodingRegistry JTOKKIT = Encodings.newDefaultEncodingRegistry();

  private static Deployment deployment(String id, ProviderKind provider, String model, int window, double inPrice, double outPrice) {
    DeploymentConfig config = DeploymentConfig.builder(id, provider, model).baseUrl(URI.create("http://127.0.0.1:1"))
        .apiKey("K", new Secret("k")).tokens(window, provider == ProviderKind.ANTHROPIC ? 4096 : window, Math.min(1024, window))
        .limits(new Limits(100_000, 100)).price(new Price(inPrice, outPrice)).build();
    return new Deployment(config, Providers.of(provider), METRICS.deployment(id, List.of()));
  }

  private static final Deployment GPT35_4K = deployment("gpt35", ProviderKind.OPENAI, "gpt-3.5-turbo", 4096, 0.5, 1.5);
  private static final Deployment GPT4_8K = deployment("gpt4", ProviderKind.OPENAI, "gpt-4", 8192, 30, 60);
  private static final Deployment CLAUDE_100K = deployment("claude", ProviderKind.ANTHROPIC, "claude-2", 100_000, 8, 24);

  private static Route route(RouteConfig.Order order, boolean degrade, List<List<Deployment>> tiers) {
    List<List<String>> ids = tiers.stream().map(t -> t.stream().map(Deployment::id).toList()).toList();
    return new Route(new RouteConfig("r", ids, order, degrade, 0, 0, false, false, "off"), tiers, METRICS.route("r"));
  }

  private static ChatRequest request(String text, Integer maxTokens) {
    JsonObject body = new JsonObject().put("model", "r").put("messages", new JsonArray()
        .add(new JsonObject().put("role", "system").put("content", "You are a code assistant."))
        .add(new JsonObject().put("role", "user").put("content", text)));
    return new ChatRequest("id", Dialect.OPENAI, body, "r", false, false, maxTokens, text.length());
  }

  private static List<String> ids(Plan plan) {
    return plan.candidates().stream().map(c -> c.deployment().id()).toList();
  }

  @Test
  void promptCountsMatchJtokkitWithOpenAiFraming() {
    String text = "Refactor this function: def add(a, b): return a+b  # naïve – 世界";
    ChatRequest request = request(text, null);
    var cl100k = JTOKKIT.getEncoding(EncodingType.CL100K_BASE);
    var o200k = JTOKKIT.getEncoding(EncodingType.O200K_BASE);
    // 3 per message + role + content, and 3 to prime the reply (OpenAI's cookbook rule).
    int expectedCl100k = 3 + (3 + cl100k.countTokens("system") + cl100k.countTokens("You are a code assistant."))
        + (3 + cl100k.countTokens("user") + cl100k.countTokens(text));
    int expectedO200k = 3 + (3 + o200k.countTokens("system") + o200k.countTokens("You are a code assistant."))
        + (3 + o200k.countTokens("user") + o200k.countTokens(text));
    PromptTokens tokens = new PromptTokens(request);
    assertThat(tokens.estimate(GPT4_8K.config())).isEqualTo(expectedCl100k);
    assertThat(tokens.estimate(deployment("4o", ProviderKind.OPENAI, "gpt-4o", 128_000, 2.5, 10).config())).isEqualTo(expectedO200k);
    assertThat(tokens.estimate(CLAUDE_100K.config())).as("cl100k plus the documented margin")
        .isEqualTo((int) Math.ceil(expectedCl100k * PromptTokens.ANTHROPIC_MARGIN));
  }

  @Test
  void costOrderPicksTheCheapestDeploymentWhoseWindowFits() {
    Route route = route(RouteConfig.Order.COST, true, List.of(List.of(GPT4_8K), List.of(CLAUDE_100K), List.of(GPT35_4K)));
    Plan small = CandidatePlanner.plan(route, new PromptTokens(request("Explain this line.", 256)), 256, 0);
    assertThat(ids(small)).containsExactly("gpt35", "claude", "gpt4");

    String big = "word ".repeat(6000); // ~6k tokens: too big for the 4k window, fits 8k and 100k
    Plan large = CandidatePlanner.plan(route, new PromptTokens(request(big, 1000)), 1000, 0);
    assertThat(ids(large)).containsExactly("claude", "gpt4");

    String huge = "word ".repeat(20_000); // ~20k tokens: only the 100k window holds it
    assertThat(ids(CandidatePlanner.plan(route, new PromptTokens(request(huge, 1000)), 1000, 0))).containsExactly("claude");
  }

  @Test
  void tiersStayInOrderAndTheRequestedOutputMustFitToo() {
    Route route = route(RouteConfig.Order.TIERS, true, List.of(List.of(GPT4_8K), List.of(CLAUDE_100K), List.of(GPT35_4K)));
    assertThat(ids(CandidatePlanner.plan(route, new PromptTokens(request("hi", null)), null, 0))).containsExactly("gpt4", "claude", "gpt35");
    // A 3,000-token prompt with 2,000 tokens of output does not fit 4k, but fits 8k and 100k.
    String prompt = "word ".repeat(3000);
    Plan plan = CandidatePlanner.plan(route, new PromptTokens(request(prompt, 2000)), 2000, 0);
    assertThat(ids(plan)).containsExactly("gpt4", "claude");
    Candidate gpt4 = plan.candidates().get(0);
    assertThat(gpt4.reserveTokens()).as("prompt + requested output").isEqualTo(gpt4.promptTokens() + 2000);
  }

  @Test
  void aRouteThatMustNotDegradeKeepsToItsFirstTier() {
    Route strong = route(RouteConfig.Order.TIERS, false, List.of(List.of(GPT4_8K), List.of(GPT35_4K)));
    assertThat(ids(CandidatePlanner.plan(strong, new PromptTokens(request("hi", null)), null, 0))).containsExactly("gpt4");
  }

  @Test
  void nothingFitsSaysTooLargeWithTheLargestWindow() {
    Route route = route(RouteConfig.Order.TIERS, true, List.of(List.of(GPT4_8K, GPT35_4K)));
    Plan plan = CandidatePlanner.plan(route, new PromptTokens(request("word ".repeat(9000), null)), null, 0);
    assertThat(plan.tooLarge()).isTrue();
    assertThat(plan.largestWindow()).isEqualTo(8192);
  }

  @Test
  void withinATierHeadroomComesFirstThenLatencyThenPrice() {
    Deployment a = deployment("a", ProviderKind.OPENAI, "gpt-4", 8192, 30, 60);
    Deployment b = deployment("b", ProviderKind.OPENAI, "gpt-4", 8192, 30, 60);
    Deployment cheap = deployment("cheap", ProviderKind.OPENAI, "gpt-4", 8192, 10, 20);
    Route route = route(RouteConfig.Order.TIERS, true, List.of(List.of(a, b, cheap)));
    PromptTokens tokens = new PromptTokens(request("hi", 10));
    assertThat(ids(CandidatePlanner.plan(route, tokens, 10, 0)).get(0)).as("equal headroom and latency: price").isEqualTo("cheap");

    cheap.state().headroom(new Headroom(90_000, 0, 100_000, 100, 0));
    b.state().recordTtft(900);
    a.state().recordTtft(200);
    assertThat(ids(CandidatePlanner.plan(route, tokens, 10, 0))).containsExactly("a", "b", "cheap");
  }
}
