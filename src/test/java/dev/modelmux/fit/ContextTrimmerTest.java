package dev.modelmux.fit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelmux.config.DeploymentConfig;
import dev.modelmux.config.Limits;
import dev.modelmux.config.Price;
import dev.modelmux.config.ProviderKind;
import dev.modelmux.config.Secret;
import dev.modelmux.core.ChatRequest;
import dev.modelmux.core.Dialect;
import dev.modelmux.fit.ContextTrimmer.Trimmed;
import dev.modelmux.tokens.PromptTokens;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Trimming OpenAI and Anthropic conversations to a smaller window: what goes, what stays, what the counts say. */
class ContextTrimmerTest {
  private static final DeploymentConfig GPT4 = deployment("gpt4", ProviderKind.OPENAI, "gpt-4", 8192);
  private static final DeploymentConfig GPT4O = deployment("4o", ProviderKind.AZURE, "gpt-4o", 128_000);
  private static final DeploymentConfig CLAUDE = deployment("claude", ProviderKind.ANTHROPIC, "claude-3-5-haiku", 200_000);
  private static final Pattern MARKER = Pattern.compile("\\.\\.\\. \\[modelmux: (\\d+) lines trimmed] \\.\\.\\.");

  private static DeploymentConfig deployment(String id, ProviderKind provider, String model, int window) {
    return DeploymentConfig.builder(id, provider, model).baseUrl(URI.create("http://127.0.0.1:1")).apiKey("K", new Secret("k"))
        .tokens(window, 4096, 1024).limits(new Limits(100_000, 100)).price(new Price(1, 2)).build();
  }

  // ---- request builders -------------------------------------------------------------------------------------

  /** Roughly {@code words} tokens of text, starting with a tag that names the turn. */
  private static String text(String tag, int words) {
    return tag + " lorem".repeat(words);
  }

  private static String codeLines(int count) {
    return IntStream.rangeClosed(1, count).mapToObj(i -> "    int field" + i + " = compute(" + i + ");").collect(Collectors.joining("\n"));
  }

  private static JsonObject msg(String role, Object content) {
    return new JsonObject().put("role", role).put("content", content);
  }

  private static JsonObject toolCalls(String... ids) {
    JsonArray calls = new JsonArray();
    for (String id : ids) {
      calls.add(new JsonObject().put("id", id).put("type", "function")
          .put("function", new JsonObject().put("name", "lookup").put("arguments", "{\"q\":\"" + id + "\"}")));
    }
    return new JsonObject().put("role", "assistant").putNull("content").put("tool_calls", calls);
  }

  private static JsonObject toolResult(String id, String content) {
    return new JsonObject().put("role", "tool").put("tool_call_id", id).put("content", content);
  }

  private static ChatRequest openai(JsonObject... messages) {
    JsonObject body = new JsonObject().put("model", "fast").put("temperature", 0.2).put("messages", new JsonArray(List.of(messages)))
        .put("tools", new JsonArray().add(new JsonObject().put("type", "function")
            .put("function", new JsonObject().put("name", "lookup").put("parameters", new JsonObject().put("type", "object")))));
    return new ChatRequest("req-o", Dialect.OPENAI, body, "fast", true, true, 256, body.encode().length());
  }

  private static JsonObject toolUse(String id) {
    return new JsonObject().put("type", "tool_use").put("id", id).put("name", "lookup").put("input", new JsonObject().put("q", id));
  }

  private static JsonObject toolResultBlock(String id, String content) {
    return new JsonObject().put("type", "tool_result").put("tool_use_id", id).put("content", content);
  }

  private static JsonObject textBlock(String text) {
    return new JsonObject().put("type", "text").put("text", text);
  }

  private static ChatRequest anthropic(String system, JsonObject... messages) {
    JsonObject body = new JsonObject().put("model", "fast").put("max_tokens", 512).put("system", system)
        .put("messages", new JsonArray(List.of(messages)));
    return new ChatRequest("req-a", Dialect.ANTHROPIC, body, "fast", false, true, 512, body.encode().length());
  }

  private static ChatRequest withMessages(ChatRequest request, List<JsonObject> messages) {
    JsonObject body = request.body().copy().put("messages", new JsonArray(new ArrayList<>(messages)));
    return new ChatRequest(request.requestId(), request.dialect(), body, request.model(), request.stream(), request.includeUsage(),
        request.maxOutputTokens(), request.bodyBytes());
  }

  private static int tokens(ChatRequest request, DeploymentConfig deployment) {
    return new PromptTokens(request).estimate(deployment);
  }

  private static List<JsonObject> messages(ChatRequest request) {
    JsonArray array = request.body().getJsonArray("messages");
    return IntStream.range(0, array.size()).mapToObj(array::getJsonObject).toList();
  }

  private static List<JsonObject> pick(ChatRequest request, int... indices) {
    List<JsonObject> all = messages(request);
    return IntStream.of(indices).mapToObj(all::get).toList();
  }

  /** Trims, and checks what holds for every result: fits, and the drop is the difference of PromptTokens estimates. */
  private static Optional<Trimmed> trim(ChatRequest request, DeploymentConfig deployment, int budget) {
    JsonObject before = request.body().copy();
    Optional<Trimmed> result = ContextTrimmer.trim(request, deployment, budget);
    assertThat(request.body()).as("the original request is left alone").isEqualTo(before);
    result.ifPresent(t -> {
      int trimmedTokens = tokens(t.request(), deployment);
      assertThat(t.promptTokens()).isEqualTo(trimmedTokens).isLessThanOrEqualTo(budget);
      assertThat(t.tokensDropped()).isEqualTo(tokens(request, deployment) - trimmedTokens);
      assertThat(t.headerValue()).isEqualTo(Integer.toString(t.tokensDropped()));
    });
    return result;
  }

  // ---- OpenAI -----------------------------------------------------------------------------------------------

  private static final ChatRequest OPENAI_CHAT = openai(
      msg("system", "You are a careful coding assistant."),
      msg("user", text("u1", 200)), msg("assistant", text("a1", 200)),
      msg("user", text("u2", 200)), msg("assistant", text("a2", 200)),
      msg("user", text("u3", 200)), msg("assistant", text("a3", 200)),
      msg("user", text("u4 last question", 100)));

  @Test
  void alreadyFittingRequestComesBackUnchanged() {
    int tokens = tokens(OPENAI_CHAT, GPT4);
    Trimmed trimmed = trim(OPENAI_CHAT, GPT4, tokens).orElseThrow();
    assertThat(trimmed.request()).isSameAs(OPENAI_CHAT);
    assertThat(trimmed.tokensDropped()).isZero();
    assertThat(trimmed.trimmed()).isFalse();
    assertThat(trimmed.promptTokens()).isEqualTo(tokens);
  }

  @Test
  void openAiDropsTheOldestTurnsFirstAndNoMoreThanNeeded() {
    ChatRequest expected = withMessages(OPENAI_CHAT, pick(OPENAI_CHAT, 0, 3, 4, 5, 6, 7));
    int budget = tokens(expected, GPT4);
    Trimmed trimmed = trim(OPENAI_CHAT, GPT4, budget).orElseThrow();
    assertThat(messages(trimmed.request())).containsExactlyElementsOf(messages(expected));
    assertThat(trimmed.tokensDropped()).isEqualTo(tokens(OPENAI_CHAT, GPT4) - budget).isPositive();

    Trimmed tighter = trim(OPENAI_CHAT, GPT4, budget - 1).orElseThrow();
    assertThat(messages(tighter.request())).containsExactlyElementsOf(pick(OPENAI_CHAT, 0, 5, 6, 7));
  }

  @Test
  void openAiKeepsEverySystemAndDeveloperMessageAndTheLastUserTurn() {
    ChatRequest request = openai(
        msg("system", "You are terse."),
        msg("user", text("u1", 300)), msg("assistant", text("a1", 300)),
        msg("developer", "Prefer Java 17 idioms."),
        msg("user", text("u2", 300)), msg("assistant", text("a2", 300)),
        msg("user", text("u3 last", 50)));
    ChatRequest minimal = withMessages(request, pick(request, 0, 3, 6));
    Trimmed trimmed = trim(request, GPT4, tokens(minimal, GPT4)).orElseThrow();
    assertThat(messages(trimmed.request())).containsExactlyElementsOf(messages(minimal));
    assertThat(trim(request, GPT4, tokens(minimal, GPT4) - 1)).as("nothing more may go").isEmpty();
  }

  private static final ChatRequest OPENAI_TOOLS = openai(
      msg("system", "You may call lookup."),
      msg("user", text("u1", 120)),
      toolCalls("call_1", "call_2"),
      toolResult("call_1", text("r1", 150)),
      toolResult("call_2", text("r2", 150)),
      msg("assistant", text("a1", 100)),
      msg("developer", "Answer in English."),
      msg("user", text("u2", 120)),
      toolCalls("call_3"),
      toolResult("call_3", text("r3", 150)),
      msg("assistant", text("a2", 100)),
      msg("user", text("u3 last", 60)),
      toolCalls("call_4"),
      toolResult("call_4", text("r4 in progress", 80)));

  @Test
  void openAiToolCallsAndTheirResultsGoTogetherAtEveryBudget() {
    int original = tokens(OPENAI_TOOLS, GPT4);
    List<JsonObject> all = messages(OPENAI_TOOLS);
    int minimal = tokens(withMessages(OPENAI_TOOLS, pick(OPENAI_TOOLS, 0, 6, 11, 12, 13)), GPT4);
    for (int budget = original; budget >= minimal - 50; budget -= 7) {
      Optional<Trimmed> result = trim(OPENAI_TOOLS, GPT4, budget);
      if (budget < minimal) {
        assertThat(result).as("budget %d", budget).isEmpty();
        continue;
      }
      List<JsonObject> kept = messages(result.orElseThrow().request());
      assertThat(kept).as("system, developer, the last user turn and the exchange in progress")
          .containsAll(pick(OPENAI_TOOLS, 0, 6, 11, 12, 13));
      List<JsonObject> conversation = kept.stream().filter(m -> !Set.of("system", "developer").contains(m.getString("role"))).toList();
      List<JsonObject> originalConversation = all.stream().filter(m -> !Set.of("system", "developer").contains(m.getString("role"))).toList();
      assertThat(originalConversation.subList(originalConversation.size() - conversation.size(), originalConversation.size()))
          .as("oldest turns go first").isEqualTo(conversation);
      assertThat(conversation.get(0).getString("role")).isEqualTo("user");
      Set<String> calls = new HashSet<>();
      Set<String> answered = new HashSet<>();
      for (JsonObject m : kept) {
        JsonArray toolCalls = m.getJsonArray("tool_calls");
        if (toolCalls != null) {
          toolCalls.forEach(c -> calls.add(((JsonObject) c).getString("id")));
        }
        if ("tool".equals(m.getString("role"))) {
          answered.add(m.getString("tool_call_id"));
        }
      }
      assertThat(answered).as("budget %d: no orphan call or result", budget).isEqualTo(calls);
    }
  }

  @Test
  void countsAgreeWithPromptTokensForEveryKindOfDeployment() {
    for (DeploymentConfig deployment : List.of(GPT4, GPT4O, CLAUDE)) {
      int original = tokens(OPENAI_TOOLS, deployment);
      Trimmed trimmed = trim(OPENAI_TOOLS, deployment, original * 2 / 3).orElseThrow();
      assertThat(trimmed.tokensDropped()).as(deployment.id()).isPositive();
      Trimmed anthropicTrimmed = trim(ANTHROPIC_TOOLS, deployment, tokens(ANTHROPIC_TOOLS, deployment) * 2 / 3).orElseThrow();
      assertThat(anthropicTrimmed.tokensDropped()).as(deployment.id()).isPositive();
    }
  }

  @Test
  void trimmedRequestKeepsEveryOtherField() {
    Trimmed trimmed = trim(OPENAI_CHAT, GPT4, tokens(OPENAI_CHAT, GPT4) - 300).orElseThrow();
    ChatRequest out = trimmed.request();
    assertThat(out.requestId()).isEqualTo("req-o");
    assertThat(out.dialect()).isSameAs(Dialect.OPENAI);
    assertThat(out.model()).isEqualTo("fast");
    assertThat(out.stream()).isTrue();
    assertThat(out.includeUsage()).isTrue();
    assertThat(out.maxOutputTokens()).isEqualTo(256);
    assertThat(out.bodyBytes()).isEqualTo(OPENAI_CHAT.bodyBytes());
    JsonObject rest = out.body().copy();
    rest.remove("messages");
    JsonObject originalRest = OPENAI_CHAT.body().copy();
    originalRest.remove("messages");
    assertThat(rest).isEqualTo(originalRest);
  }

  // ---- Anthropic --------------------------------------------------------------------------------------------

  private static final ChatRequest ANTHROPIC_CHAT = anthropic("You are a careful coding assistant.",
      msg("user", text("u1", 200)), msg("assistant", text("a1", 200)),
      msg("user", new JsonArray().add(textBlock(text("u2", 200)))), msg("assistant", text("a2", 200)),
      msg("user", text("u3", 200)), msg("assistant", text("a3", 200)),
      msg("user", text("u4 last", 80)));

  @Test
  void anthropicDropsOldestTurnsInPairsSoTheConversationStillStartsWithTheUser() {
    ChatRequest expected = withMessages(ANTHROPIC_CHAT, pick(ANTHROPIC_CHAT, 2, 3, 4, 5, 6));
    int budget = tokens(expected, CLAUDE);
    Trimmed trimmed = trim(ANTHROPIC_CHAT, CLAUDE, budget).orElseThrow();
    assertThat(messages(trimmed.request())).containsExactlyElementsOf(messages(expected));
    assertThat(trimmed.request().body().getString("system")).isEqualTo("You are a careful coding assistant.");

    // One token less: u3 alone would leave the conversation starting with an assistant turn, so the pair goes.
    Trimmed tighter = trim(ANTHROPIC_CHAT, CLAUDE, budget - 1).orElseThrow();
    assertThat(messages(tighter.request())).containsExactlyElementsOf(pick(ANTHROPIC_CHAT, 4, 5, 6));
  }

  private static final ChatRequest ANTHROPIC_TOOLS = anthropic("You may call lookup.",
      msg("user", text("u1", 120)),
      msg("assistant", new JsonArray().add(textBlock("Let me look.")).add(toolUse("toolu_1")).add(toolUse("toolu_2"))),
      msg("user", new JsonArray().add(toolResultBlock("toolu_1", text("r1", 150))).add(toolResultBlock("toolu_2", text("r2", 150)))),
      msg("assistant", text("a1", 100)),
      msg("user", text("u2", 120)),
      msg("assistant", new JsonArray().add(toolUse("toolu_3"))),
      msg("user", new JsonArray().add(toolResultBlock("toolu_3", text("r3", 150)))),
      msg("assistant", text("a2", 100)),
      msg("user", text("u3 last", 60)),
      msg("assistant", new JsonArray().add(toolUse("toolu_4"))),
      msg("user", new JsonArray().add(toolResultBlock("toolu_4", text("r4 in progress", 80)))));

  @Test
  void anthropicToolUseAndToolResultGoTogetherAndTurnsAlternateAtEveryBudget() {
    int original = tokens(ANTHROPIC_TOOLS, CLAUDE);
    List<JsonObject> all = messages(ANTHROPIC_TOOLS);
    int minimal = tokens(withMessages(ANTHROPIC_TOOLS, pick(ANTHROPIC_TOOLS, 8, 9, 10)), CLAUDE);
    Set<Integer> seenLengths = new HashSet<>();
    for (int budget = original; budget >= minimal - 50; budget -= 7) {
      Optional<Trimmed> result = trim(ANTHROPIC_TOOLS, CLAUDE, budget);
      if (budget < minimal) {
        assertThat(result).as("budget %d", budget).isEmpty();
        continue;
      }
      List<JsonObject> kept = messages(result.orElseThrow().request());
      seenLengths.add(kept.size());
      assertThat(all.subList(all.size() - kept.size(), all.size())).as("oldest turns go first").isEqualTo(kept);
      assertThat(kept).containsAll(pick(ANTHROPIC_TOOLS, 8, 9, 10));
      for (int i = 0; i < kept.size(); i++) {
        assertThat(kept.get(i).getString("role")).as("budget %d: alternating from a user turn", budget)
            .isEqualTo(i % 2 == 0 ? "user" : "assistant");
      }
      Set<String> uses = new HashSet<>();
      Set<String> results = new HashSet<>();
      for (JsonObject m : kept) {
        if (m.getValue("content") instanceof JsonArray blocks) {
          blocks.forEach(b -> {
            JsonObject block = (JsonObject) b;
            if ("tool_use".equals(block.getString("type"))) {
              uses.add(block.getString("id"));
            } else if ("tool_result".equals(block.getString("type"))) {
              results.add(block.getString("tool_use_id"));
            }
          });
        }
      }
      assertThat(results).as("budget %d: no orphan tool_use or tool_result", budget).isEqualTo(uses);
    }
    assertThat(seenLengths).as("the cuts fall before u1, u2 and u3 only").containsExactlyInAnyOrder(11, 7, 3);
  }

  // ---- code blocks ------------------------------------------------------------------------------------------

  @Test
  void openAiCutsACodeBlockInTheMiddleWhenDroppingTurnsIsNotEnough() {
    String file = "Here is Foo.java:\n```java\n" + codeLines(400) + "\n```\nEnd of file.";
    ChatRequest request = openai(
        msg("system", "You are a careful coding assistant."),
        msg("user", text("u1", 300)), msg("assistant", text("a1", 300)),
        msg("user", "Why does the build fail?"),
        toolCalls("call_read"),
        toolResult("call_read", file));
    ChatRequest noCode = withMessages(request, List.of(msg("system", "You are a careful coding assistant."),
        msg("user", "Why does the build fail?"), toolCalls("call_read"), toolResult("call_read", "Here is Foo.java:\n```java\n```\nEnd of file.")));
    int budget = tokens(noCode, GPT4) + 1500;

    Trimmed trimmed = trim(request, GPT4, budget).orElseThrow();
    List<JsonObject> kept = messages(trimmed.request());
    assertThat(kept).hasSize(4);
    assertThat(kept.subList(0, 3)).containsExactlyElementsOf(pick(request, 0, 3, 4));
    String content = kept.get(3).getString("content");
    assertThat(content).startsWith("Here is Foo.java:\n```java\n    int field1 = compute(1);\n    int field2 = compute(2);\n");
    assertThat(content).endsWith("    int field399 = compute(399);\n    int field400 = compute(400);\n```\nEnd of file.");
    Matcher marker = MARKER.matcher(content);
    assertThat(marker.find()).isTrue();
    int cutLines = Integer.parseInt(marker.group(1));
    assertThat(content.split("\n")).as("kept lines + marker + fences + prose").hasSize(400 - cutLines + 1 + 4);
    assertThat(trimmed.promptTokens()).as("the cut keeps as much code as fits").isGreaterThan(budget - 40);
  }

  @Test
  void anthropicCutsCodeInAToolResultAndKeepsThePair() {
    String output = "```\n" + codeLines(300) + "\n```";
    ChatRequest request = anthropic("You are a careful coding assistant.",
        msg("user", text("u1", 200)), msg("assistant", "Like this:\n```java\n" + codeLines(50) + "\n```"),
        msg("user", "Fix the failing test."),
        msg("assistant", new JsonArray().add(toolUse("toolu_run"))),
        msg("user", new JsonArray().add(toolResultBlock("toolu_run", output))));
    int budget = tokens(withMessages(request, pick(request, 2, 3, 4)), CLAUDE) / 2;

    Trimmed trimmed = trim(request, CLAUDE, budget).orElseThrow();
    List<JsonObject> kept = messages(trimmed.request());
    assertThat(kept.subList(0, 2)).containsExactlyElementsOf(pick(request, 2, 3));
    JsonObject result = kept.get(2).getJsonArray("content").getJsonObject(0);
    assertThat(result.getString("tool_use_id")).isEqualTo("toolu_run");
    String content = result.getString("content");
    assertThat(content).startsWith("```\n    int field1 = compute(1);\n").endsWith("    int field300 = compute(300);\n```");
    assertThat(MARKER.matcher(content).find()).isTrue();
  }

  @Test
  void codeInTheLastUserTurnIsCutOnlyAfterEverythingElse() {
    String asked = "Review this:\n```python\n" + codeLines(200) + "\n```\nThanks!";
    ChatRequest request = openai(
        msg("system", "You review code."),
        msg("user", asked),
        toolCalls("call_lint"),
        toolResult("call_lint", "```\n" + codeLines(200) + "\n```"));
    // Enough once the lint output is cut: the question stays whole.
    List<JsonObject> toolCut = new ArrayList<>(pick(request, 0, 1, 2));
    toolCut.add(toolResult("call_lint", "```\n" + codeLines(2) + "\n```"));
    int onlyTool = tokens(withMessages(request, toolCut), GPT4);
    Trimmed first = trim(request, GPT4, onlyTool + 200).orElseThrow();
    assertThat(messages(first.request()).get(1).getString("content")).isEqualTo(asked);
    assertThat(messages(first.request()).get(3).getString("content")).containsPattern(MARKER);

    // Not enough: the question's code goes too, around its prose.
    Trimmed second = trim(request, GPT4, onlyTool - 500).orElseThrow();
    String question = messages(second.request()).get(1).getString("content");
    assertThat(question).startsWith("Review this:\n```python\n    int field1 = compute(1);\n")
        .endsWith("    int field200 = compute(200);\n```\nThanks!").containsPattern(MARKER);
    assertThat(messages(second.request()).get(0).getString("content")).isEqualTo("You review code.");
  }

  // ---- cannot fit -------------------------------------------------------------------------------------------

  @Test
  void aHugeSystemPromptCannotBeTrimmed() {
    String system = text("rules", 3000) + "\n```\n" + codeLines(300) + "\n```";
    ChatRequest openAi = openai(msg("system", system), msg("user", text("u1", 100)), msg("assistant", text("a1", 100)), msg("user", "go"));
    assertThat(trim(openAi, GPT4, 2000)).isEmpty();
    ChatRequest claude = anthropic(system, msg("user", text("u1", 100)), msg("assistant", text("a1", 100)), msg("user", "go"));
    assertThat(trim(claude, CLAUDE, 2000)).isEmpty();
  }

  @Test
  void aLastUserTurnTooLargeWithoutCodeCannotBeTrimmed() {
    ChatRequest request = openai(msg("system", "Be brief."), msg("user", text("u1", 100)), msg("assistant", text("a1", 100)),
        msg("user", text("huge", 3000)));
    assertThat(trim(request, GPT4, 2000)).isEmpty();
  }

  @Test
  void promptBudgetFollowsTheRoutersWindowFit() {
    assertThat(ContextTrimmer.promptBudget(GPT4, null)).isEqualTo(8191);
    assertThat(ContextTrimmer.promptBudget(GPT4, 1000)).isEqualTo(7192);
    assertThat(ContextTrimmer.promptBudget(GPT4, 100_000)).isEqualTo(8192 - 4096);
  }
}
