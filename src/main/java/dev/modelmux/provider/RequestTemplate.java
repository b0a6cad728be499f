package dev.modelmux.provider;

import dev.modelmux.config.DeploymentConfig;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.util.Map;

/**
 * What every call to one deployment shares, worked out once from its provider's {@link Provider#request}: method,
 * host, port, TLS, path and headers (the key included), the header values as pre-encoded ASCII. A call's options are
 * then a few fields set, with no URL parsed, no key concatenated and no header map built per request. The header maps
 * are shared and only read (the client copies them into each request); the template never prints the key.
 */
public final class RequestTemplate {
  private final HttpMethod method;
  private final String host;
  private final int port;
  private final Boolean ssl;
  private final String uri;
  private final MultiMap plainHeaders;
  private final MultiMap streamHeaders;

  private RequestTemplate(RequestOptions plain, RequestOptions stream) {
    this.method = plain.getMethod();
    this.host = plain.getHost();
    this.port = plain.getPort();
    this.ssl = plain.isSsl();
    this.uri = plain.getURI();
    this.plainHeaders = optimized(plain.getHeaders());
    this.streamHeaders = optimized(stream.getHeaders());
  }

  public static RequestTemplate of(Provider provider, DeploymentConfig deployment) {
    return new RequestTemplate(provider.request(deployment, false), provider.request(deployment, true));
  }

  /** A fresh options object (the caller may set its timeouts) for one call. */
  public RequestOptions options(boolean stream) {
    return new RequestOptions().setMethod(method).setHost(host).setPort(port).setSsl(ssl).setURI(uri)
        .setHeaders(stream ? streamHeaders : plainHeaders);
  }

  private static MultiMap optimized(MultiMap headers) {
    MultiMap copy = HttpHeaders.headers();
    for (Map.Entry<String, String> header : headers) {
      copy.add(ascii(header.getKey()), ascii(header.getValue()));
    }
    return copy;
  }

  /** Pre-encoded when every character is ASCII (an AsciiString would mangle any other); as given otherwise. */
  private static CharSequence ascii(String text) {
    return text.chars().allMatch(c -> c < 0x80) ? HttpHeaders.createOptimized(text) : text;
  }

  @Override
  public String toString() {
    return "RequestTemplate[" + method + " " + (ssl ? "https" : "http") + "://" + host + ":" + port + uri + "]";
  }
}
