package dev.modelmux.translate;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.modelmux.core.SseEvent;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/** What is kept of a stream's filter annotations stays bounded, however often the provider repeats them. */
class AzureFilterResultsCapTest {
  @Test
  void aProviderRepeatingThePromptResultsOnEveryChunkKeepsAtMostTheCap() {
    AzureFilterResults results = new AzureFilterResults();
    for (int i = 0; i < 10_000; i++) {
      JsonObject chunk = new JsonObject().put("choices", new JsonArray())
          .put("prompt_filter_results", new JsonArray().add(new JsonObject().put("prompt_index", 0)
              .put("content_filter_results", new JsonObject().put("hate", new JsonObject().put("filtered", false).put("n", i)))));
      results.strip(new SseEvent(null, chunk.encode()));
    }
    JsonArray prompt = results.annotations().getJsonObject("azure").getJsonArray("prompt_filter_results");
    assertEquals(AzureFilterResults.MAX_KEPT, prompt.size());
  }
}
