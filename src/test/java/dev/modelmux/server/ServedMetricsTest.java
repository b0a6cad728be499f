package dev.modelmux.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelmux.testing.GatewayProcess;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * GET /metrics of {@code modelmux serve} (Main's registry and Vert.x metrics options, in a JVM of its own) still has
 * every name docs/operations.md promises for any config, while Vert.x's per-request HTTP server meters are off.
 */
class ServedMetricsTest {
  private static final String CONFIG = """
      server: { port: 0 }
      deployments:
        - { id: d, provider: openai, base_url: "http://127.0.0.1:9/v1", emulator_account: a, model: gpt-4,
            context_window: 8192, limits: { tpm: 1000000, rpm: 10000 } }
      routes:
        - { name: main, tiers: [[d]] }
      """;
  private static final List<String> DOCUMENTED = List.of("modelmux_requests_total{", "modelmux_attempts_total{",
      "modelmux_fallbacks_total{", "modelmux_pauses_total{", "modelmux_breaker_state{", "modelmux_ttft_seconds_bucket{",
      "modelmux_attempt_duration_seconds_bucket{", "modelmux_tokens_total{", "modelmux_budget_headroom_tokens{",
      "modelmux_budget_headroom_requests{", "modelmux_in_flight{", "modelmux_hedges_total{", "modelmux_connections_open ",
      "modelmux_connections_refused_total ", "modelmux_connections_closed_total{", "modelmux_shed_total{",
      "modelmux_spend_usd_total{", "modelmux_access_log_dropped_total ");

  @Test
  void theDocumentedMetricsAreServedWithoutVertxPerRequestHttpMeters() throws IOException {
    try (GatewayProcess gateway = GatewayProcess.start(CONFIG)) {
      assertThat(post(gateway.port(), "/v1/chat/completions", "{")).as("a bad request, counted as rejected").isEqualTo(400);
      String text = get(gateway.port(), "/metrics");
      assertThat(text).contains(DOCUMENTED).contains("modelmux_requests_total{outcome=\"rejected\",route=\"none\"} 1.0");
      assertThat(text).as("Vert.x's pool metrics stay").contains("vertx_pool_");
      assertThat(text).doesNotContain("vertx_http_server_").doesNotContain("vertx_http_client_");
    }
  }

  private static int post(int port, String path, String body) throws IOException {
    HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + port + path).toURL().openConnection();
    c.setConnectTimeout(5_000);
    c.setReadTimeout(5_000);
    c.setRequestMethod("POST");
    c.setDoOutput(true);
    c.setRequestProperty("content-type", "application/json");
    try {
      c.getOutputStream().write(body.getBytes(StandardCharsets.UTF_8));
      return c.getResponseCode();
    } finally {
      c.disconnect();
    }
  }

  private static String get(int port, String path) throws IOException {
    HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + port + path).toURL().openConnection();
    c.setConnectTimeout(5_000);
    c.setReadTimeout(5_000);
    try {
      assertThat(c.getResponseCode()).as("GET " + path).isEqualTo(200);
      return new String(c.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    } finally {
      c.disconnect();
    }
  }
}
