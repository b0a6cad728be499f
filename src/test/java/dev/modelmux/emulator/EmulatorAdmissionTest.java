package dev.modelmux.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelmux.tokens.TokenCounter;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;

class EmulatorAdmissionTest extends EmulatorTestBase {

  @Test
  void missingKeyIs401(VertxTestContext ctx) {
    http.send(HttpMethod.POST, "/v1/chat/completions", null, Http.chat("gpt-4", "hi").toBuffer()).map(reply -> {
      assertThat(reply.status()).isEqualTo(401);
      assertThat(reply.error().getString("code")).isEqualTo("invalid_api_key");
      assertThat(reply.error().getString("type")).isEqualTo("invalid_request_error");
      assertThat(reply.headers().get("x-request-id")).isNotBlank();
      assertThat(reply.headers().get("x-ratelimit-remaining-requests")).isNotNull();
      assertThat(emulator.stats("gpt-4").errors()).isEqualTo(1);
      return null;
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void invalidJsonAndMissingMessagesAre400(VertxTestContext ctx) {
    http.send(HttpMethod.POST, "/v1/chat/completions", Http.KEY, Buffer.buffer("{\"model\":")).compose(reply -> {
      assertThat(reply.status()).isEqualTo(400);
      assertThat(reply.error().getString("type")).isEqualTo("invalid_request_error");
      assertThat(reply.error().getString("message")).startsWith("We could not parse the JSON body");
      return http.post(new JsonObject().put("model", "gpt-4"));
    }).map(reply -> {
      assertThat(reply.status()).isEqualTo(400);
      assertThat(reply.error().getString("type")).isEqualTo("invalid_request_error");
      assertThat(reply.error().getString("param")).isEqualTo("messages");
      assertThat(reply.headers().get("x-ratelimit-limit-tokens")).isNotNull();
      return null;
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void unknownModelIs404(VertxTestContext ctx) {
    http.post(Http.chat("gpt-9", "hi")).map(reply -> {
      assertThat(reply.status()).isEqualTo(404);
      assertThat(reply.error().getString("code")).isEqualTo("model_not_found");
      assertThat(reply.error().getString("message")).isEqualTo("The model `gpt-9` does not exist or you do not have access to it.");
      return null;
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void contextLengthExceededInBothWordings(VertxTestContext ctx) {
    JsonObject longPrompt = Http.chat("tiny", "word ".repeat(80));
    int prompt = TokenCounter.countChat(TokenCounter.encodingFor("tiny"), longPrompt.getJsonArray("messages"), null);
    JsonObject fits = Http.chat("tiny", "hi");
    int small = TokenCounter.countChat(TokenCounter.encodingFor("tiny"), fits.getJsonArray("messages"), null);
    http.post(longPrompt).compose(reply -> {
      assertThat(reply.status()).isEqualTo(400);
      assertThat(reply.error().getString("code")).isEqualTo("context_length_exceeded");
      assertThat(reply.error().getString("param")).isEqualTo("messages");
      assertThat(reply.error().getString("message")).isEqualTo("This model's maximum context length is 60 tokens. "
          + "However, your messages resulted in " + prompt + " tokens. Please reduce the length of the messages.");
      return http.post(fits.copy().put("max_tokens", 100));
    }).compose(reply -> {
      assertThat(reply.status()).isEqualTo(400);
      assertThat(reply.error().getString("message")).isEqualTo("This model's maximum context length is 60 tokens. "
          + "However, you requested " + (small + 100) + " tokens (" + small + " in the messages, 100 in the completion). "
          + "Please reduce the length of the messages or completion.");
      return http.post(fits.copy().put("max_tokens", 60 - small));
    }).map(reply -> {
      assertThat(reply.status()).isEqualTo(200);
      return null;
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void rpmExhaustedGives429WithHeaders(VertxTestContext ctx) {
    JsonObject body = Http.chat("limited", "say: ok");
    http.post(body).compose(first -> {
      assertThat(first.status()).isEqualTo(200);
      assertThat(first.headers().get("x-ratelimit-limit-requests")).isEqualTo("2");
      assertThat(first.headers().get("x-ratelimit-remaining-requests")).isEqualTo("1");
      assertThat(first.headers().get("x-ratelimit-reset-requests")).matches("(59(\\.\\d+)?s|1m0s)");
      return http.post(body);
    }).compose(second -> {
      assertThat(second.headers().get("x-ratelimit-remaining-requests")).isEqualTo("0");
      return http.post(body);
    }).compose(third -> {
      assertThat(third.status()).isEqualTo(429);
      JsonObject error = third.error();
      assertThat(error.getString("type")).isEqualTo("requests");
      assertThat(error.getString("code")).isEqualTo("rate_limit_exceeded");
      assertThat(error.getString("message")).startsWith("Rate limit reached for limited in organization org-emulator "
          + "on requests per min (RPM): Limit 2, Used 2, Requested 1. Please try again in ");
      assertThat(third.headers().get("x-ratelimit-remaining-requests")).isEqualTo("0");
      long retryMs = Long.parseLong(third.headers().get("retry-after-ms"));
      assertThat(retryMs).isBetween(1L, 60_000L);
      assertThat(Long.parseLong(third.headers().get("retry-after"))).isEqualTo((retryMs + 999) / 1000);
      // another key has its own window
      return http.send(HttpMethod.POST, "/v1/chat/completions", "sk-other", body.toBuffer());
    }).map(other -> {
      assertThat(other.status()).isEqualTo(200);
      ModelStats stats = emulator.stats("limited");
      assertThat(stats.requests()).isEqualTo(4);
      assertThat(stats.ok()).isEqualTo(3);
      assertThat(stats.rateLimited()).isEqualTo(1);
      assertThat(stats.maxRequestsInWindow()).isEqualTo(2);
      return null;
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void tpmCountsPromptPlusRequestedOutput(VertxTestContext ctx) {
    JsonObject body = Http.chat("tpm-limited", "say: ok").put("max_tokens", 40);
    int prompt = TokenCounter.countChat(TokenCounter.encodingFor("tpm-limited"), body.getJsonArray("messages"), null);
    http.post(body).compose(first -> {
      assertThat(first.status()).isEqualTo(200);
      assertThat(first.headers().get("x-ratelimit-remaining-tokens")).isEqualTo(Long.toString(100 - prompt - 40));
      return http.post(body);
    }).compose(second -> {
      assertThat(second.status()).isEqualTo(429);
      assertThat(second.error().getString("type")).isEqualTo("tokens");
      assertThat(second.error().getString("message")).contains("on tokens per min (TPM): Limit 100, Used " + (prompt + 40)
          + ", Requested " + (prompt + 40) + ".");
      assertThat(second.headers().get("x-ratelimit-remaining-tokens")).isEqualTo("0");
      return http.post(body.copy().put("max_tokens", 200));
    }).map(tooLarge -> {
      assertThat(tooLarge.status()).isEqualTo(429);
      assertThat(tooLarge.error().getString("message")).startsWith("Request too large for tpm-limited");
      assertThat(emulator.stats("tpm-limited").maxTokensInWindow()).isEqualTo(prompt + 40);
      return null;
    }).onComplete(ctx.succeedingThenComplete());
  }
}
