package dev.modelmux.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One HTTP/1.1 exchange over a fresh connection, every header the test's choice (Host, Origin, Sec-Fetch-Site, Cookie
 * included, which HTTP clients set or refuse themselves): what a browser, a rebinding page or a proxy would send.
 */
public final class PlainHttp {
  private PlainHttp() {}

  /** A response: its status, headers (names lower-cased; a repeated one keeps its last value) and body. */
  public record Response(int status, Map<String, String> headers, String body) {
    public String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }
  }

  /** @param headers name, value, name, value...; Host defaults to 127.0.0.1:port */
  public static Response send(int port, String method, String path, String body, String... headers) throws IOException {
    StringBuilder request = new StringBuilder(method + " " + path + " HTTP/1.1\r\n");
    boolean host = false;
    for (int i = 0; i < headers.length; i += 2) {
      host |= headers[i].equalsIgnoreCase("host");
      request.append(headers[i]).append(": ").append(headers[i + 1]).append("\r\n");
    }
    if (!host) {
      request.append("Host: 127.0.0.1:").append(port).append("\r\n");
    }
    byte[] bytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
    if (body != null) {
      request.append("Content-Length: ").append(bytes.length).append("\r\n");
    }
    request.append("Connection: close\r\n\r\n");
    try (RawHttp http = new RawHttp(port)) {
      http.setTimeoutMs(15_000);
      http.send(request.toString() + (body == null ? "" : new String(bytes, StandardCharsets.ISO_8859_1)));
      return parse(http.readUntilClosed());
    }
  }

  private static Response parse(String raw) {
    int end = raw.indexOf("\r\n\r\n");
    List<String> head = raw.substring(0, end).lines().toList();
    Map<String, String> headers = new LinkedHashMap<>();
    for (String line : head.subList(1, head.size())) {
      int colon = line.indexOf(':');
      String name = line.substring(0, colon).strip().toLowerCase(Locale.ROOT);
      String value = line.substring(colon + 1).strip();
      headers.merge(name, value, name.equals("set-cookie") ? (a, b) -> a + "\n" + b : (a, b) -> b);
    }
    String body = new String(raw.substring(end + 4).getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
    return new Response(Integer.parseInt(head.get(0).split(" ")[1]), headers, body);
  }
}
