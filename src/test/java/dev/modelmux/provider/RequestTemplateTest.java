package dev.modelmux.provider;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelmux.config.DeploymentConfig;
import dev.modelmux.config.ProviderKind;
import dev.modelmux.config.Secret;
import io.vertx.core.MultiMap;
import io.vertx.core.http.RequestOptions;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** A template's options are what the provider's own request options say, for every provider and base_url shape. */
class RequestTemplateTest {
  private static final List<String> BASE_URLS = List.of("http://127.0.0.1:8081/v1", "http://127.0.0.1:8081/v1/",
      "https://api.openai.com/v1", "http://[::1]:9000/openai/v1", "https://example.test", "http://localhost/a%20b/v1");

  @Test
  void optionsMatchTheProvidersOwnForEveryProviderAndBaseUrl() {
    for (ProviderKind kind : ProviderKind.values()) {
      for (String base : BASE_URLS) {
        for (String version : new String[] {null, "2025-01-01"}) {
          DeploymentConfig deployment = DeploymentConfig.builder("d", kind, "model/with space").baseUrl(URI.create(base))
              .apiKey("K", new Secret("sk-test-\u00e9-key")).apiVersion(version).build();
          Provider provider = Providers.of(kind);
          RequestTemplate template = RequestTemplate.of(provider, deployment);
          for (boolean stream : new boolean[] {false, true}) {
            RequestOptions expected = provider.request(deployment, stream);
            RequestOptions actual = template.options(stream);
            String what = kind + " " + base + " " + version + " " + stream;
            assertThat(actual.getMethod()).as(what).isEqualTo(expected.getMethod());
            assertThat(actual.getHost()).as(what).isEqualTo(expected.getHost());
            assertThat(actual.getPort()).as(what).isEqualTo(expected.getPort());
            assertThat(actual.isSsl()).as(what).isEqualTo(expected.isSsl());
            assertThat(actual.getURI()).as(what).isEqualTo(expected.getURI());
            assertThat(headers(actual.getHeaders())).as(what).isEqualTo(headers(expected.getHeaders()));
          }
          assertThat(template.toString()).doesNotContain("sk-test");
        }
      }
    }
  }

  @Test
  void eachCallGetsItsOwnOptionsSoATimeoutSetOnOneStaysThere() {
    DeploymentConfig deployment = DeploymentConfig.builder("d", ProviderKind.OPENAI, "m").baseUrl(URI.create("http://127.0.0.1:1/v1"))
        .apiKey("K", new Secret("sk-Qx7vR2mZ9wL4pB8n")).build();
    RequestTemplate template = RequestTemplate.of(Providers.of(ProviderKind.OPENAI), deployment);
    template.options(false).setConnectTimeout(5);
    assertThat(template.options(false).getConnectTimeout()).isNotEqualTo(5);
  }

  private static Map<String, String> headers(MultiMap headers) {
    Map<String, String> all = new TreeMap<>();
    headers.forEach(h -> all.merge(h.getKey().toLowerCase(), h.getValue(), (a, b) -> a + "," + b));
    return all;
  }
}
