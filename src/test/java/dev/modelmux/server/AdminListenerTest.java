package dev.modelmux.server;

import static dev.modelmux.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.modelmux.emulator.Emulator;
import dev.modelmux.emulator.EmulatorConfig;
import dev.modelmux.emulator.Fault;
import dev.modelmux.testing.GatewayFixture;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.SocketException;
import java.util.Collections;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The operator's endpoints (/admin/*, /metrics, the in-process emulator's /_emulator/*) on an admin listener of their own, or, without one, on the public
 * listener; in protected mode (no auth section, as here) for loopback clients only. A non-loopback client is a real one: this
 * machine's own non-loopback address. OperatorAccessTest has the operator keys of a gateway with auth configured.
 */
@ExtendWith(VertxExtension.class)
class AdminListenerTest {
  private Vertx vertx;
  private Emulator emulator;
  private ModelMux gateway;
  private HttpClient http;

  private void start(Vertx vertx, String server) {
    this.vertx = vertx;
    emulator = await(Emulator.start(vertx, new EmulatorConfig("127.0.0.1", 0, GatewayFixture.MODELS)));
    String yaml = "server: { host: 0.0.0.0, port: 0, instances: 1" + server + " }\n"
        + GatewayFixture.STANDARD.replace("${EMU}", "http://127.0.0.1:" + emulator.port());
    gateway = await(ModelMux.start(vertx, ModelMux.configLoader(GatewayFixture.KEYS::get).parse(yaml)));
    http = client(vertx);
  }

  /** A gateway with its emulator in-process (the demo's way), on a free port the deployments point at. */
  private void startEmbedded(Vertx vertx, String server) throws IOException {
    this.vertx = vertx;
    int emulatorPort;
    try (ServerSocket probe = new ServerSocket(0)) {
      emulatorPort = probe.getLocalPort();
    }
    String yaml = "server: { host: 0.0.0.0, port: 0, instances: 1" + server + " }\n"
        + "emulator: { port: " + emulatorPort + ", models: [{name: gpt-4}, {name: gpt-3.5-turbo}] }\n"
        + GatewayFixture.STANDARD.replace("${EMU}", "http://127.0.0.1:" + emulatorPort);
    gateway = await(ModelMux.start(vertx, ModelMux.configLoader(GatewayFixture.KEYS::get).parse(yaml)));
    http = client(vertx);
  }

  /**
   * A client that opens a connection per request. With keep-alive, beside CPU hogs, a request made from the test thread
   * right after the previous response was read sometimes never got a connection from the client's pool (1 in ~70
   * sequences: the gateway saw no connection and no request), and waited out Await's bound.
   */
  private static HttpClient client(Vertx vertx) {
    return vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false));
  }

  @AfterEach
  void stop() {
    await(http.close());
    await(gateway.close());
    if (emulator != null) {
      await(emulator.close());
    }
  }

  @Test
  void theInProcessEmulatorsControlsAreOnTheAdminListenerOnly(Vertx vertx) throws IOException {
    startEmbedded(vertx, ", admin_port: 0");
    int emulatorPort = gateway.emulator().port();
    String fault = "{\"kind\":\"status\",\"status\":503,\"times\":2}";
    String path = "/_emulator/models/gpt-4/fault";
    assertThat(status(HttpMethod.PUT, "127.0.0.1", gateway.port(), path, fault)).isEqualTo(404);
    assertThat(status(HttpMethod.PUT, "127.0.0.1", emulatorPort, path, fault)).as("not on the emulator's own port").isEqualTo(404);
    assertThat(status(HttpMethod.GET, "127.0.0.1", emulatorPort, "/_emulator/stats")).isEqualTo(404);
    assertThat(gateway.emulator().fault("gpt-4").kind()).isEqualTo(Fault.Kind.NONE);

    assertThat(status(HttpMethod.PUT, "127.0.0.1", gateway.adminPort(), path, fault)).isEqualTo(200);
    assertThat(gateway.emulator().fault("gpt-4").status()).isEqualTo(503);
    assertThat(status(HttpMethod.GET, "127.0.0.1", gateway.adminPort(), "/_emulator/stats")).isEqualTo(200);
    assertThat(status(HttpMethod.DELETE, "127.0.0.1", gateway.adminPort(), path)).isEqualTo(200);
    assertThat(gateway.emulator().fault("gpt-4").kind()).isEqualTo(Fault.Kind.NONE);
  }

  @Test
  void withoutAnAdminPortTheEmulatorsControlsAnswerLoopbackClientsOnly(Vertx vertx) throws IOException {
    String outside = nonLoopbackAddress().orElse(null);
    assumeTrue(outside != null, "this machine has no non-loopback IPv4 address to connect from");
    startEmbedded(vertx, "");
    String fault = "{\"kind\":\"status\",\"status\":503}";
    String path = "/_emulator/models/gpt-4/fault";
    assertThat(status(HttpMethod.PUT, outside, gateway.port(), path, fault)).isEqualTo(403);
    assertThat(gateway.emulator().fault("gpt-4").kind()).isEqualTo(Fault.Kind.NONE);
    assertThat(status(HttpMethod.PUT, "127.0.0.1", gateway.port(), path, fault)).isEqualTo(200);
    assertThat(gateway.emulator().fault("gpt-4").status()).isEqualTo(503);
  }

  @Test
  void withAnAdminPortTheOperatorsEndpointsAreAbsentFromThePublicListener(Vertx vertx) {
    start(vertx, ", admin_port: 0");
    assertThat(gateway.adminPort()).isPositive().isNotEqualTo(gateway.port());
    assertThat(status(HttpMethod.GET, "127.0.0.1", gateway.port(), "/admin/deployments")).isEqualTo(404);
    assertThat(status(HttpMethod.GET, "127.0.0.1", gateway.port(), "/metrics")).isEqualTo(404);
    assertThat(status(HttpMethod.POST, "127.0.0.1", gateway.port(), "/admin/drain")).isEqualTo(404);
    assertThat(status(HttpMethod.GET, "127.0.0.1", gateway.port(), "/health/ready")).isEqualTo(200);
    assertThat(status(HttpMethod.GET, "127.0.0.1", gateway.adminPort(), "/admin/deployments")).isEqualTo(200);
    assertThat(status(HttpMethod.GET, "127.0.0.1", gateway.adminPort(), "/metrics")).isEqualTo(200);
  }

  @Test
  void withoutAnAdminPortOnlyLoopbackClientsReachThem(Vertx vertx) {
    String outside = nonLoopbackAddress().orElse(null);
    assumeTrue(outside != null, "this machine has no non-loopback IPv4 address to connect from");
    start(vertx, "");
    assertThat(gateway.adminPort()).isEqualTo(-1);
    assertThat(status(HttpMethod.GET, "127.0.0.1", gateway.port(), "/admin/deployments")).isEqualTo(200);
    assertThat(status(HttpMethod.GET, "127.0.0.1", gateway.port(), "/metrics")).isEqualTo(200);
    assertThat(status(HttpMethod.GET, outside, gateway.port(), "/admin/deployments")).isEqualTo(403);
    assertThat(status(HttpMethod.POST, outside, gateway.port(), "/admin/drain")).isEqualTo(403);
    assertThat(status(HttpMethod.GET, outside, gateway.port(), "/metrics")).isEqualTo(403);
    assertThat(status(HttpMethod.GET, outside, gateway.port(), "/health/ready")).as("the drain was refused").isEqualTo(200);
  }

  @Test
  void publicMetricsAreServedToAnyone(Vertx vertx) {
    String outside = nonLoopbackAddress().orElse(null);
    assumeTrue(outside != null, "this machine has no non-loopback IPv4 address to connect from");
    start(vertx, ", public_metrics: true");
    assertThat(status(HttpMethod.GET, outside, gateway.port(), "/metrics")).isEqualTo(200);
    assertThat(status(HttpMethod.GET, outside, gateway.port(), "/admin/deployments")).isEqualTo(403);
  }

  private int status(HttpMethod method, String host, int port, String path) {
    return status(method, host, port, path, "");
  }

  private int status(HttpMethod method, String host, int port, String path, String body) {
    RequestOptions options = new RequestOptions().setMethod(method).setHost(host).setPort(port).setURI(path);
    if (method != HttpMethod.GET) {
      options.putHeader("content-type", "application/json"); // an operator request that changes something is JSON only
    }
    return await(http.request(options)
        .compose(req -> req.send(body))
        .compose(resp -> resp.body().map(b -> resp.statusCode())));
  }

  private static Optional<String> nonLoopbackAddress() {
    try {
      for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        if (!nic.isUp() || nic.isLoopback()) {
          continue;
        }
        for (InetAddress address : Collections.list(nic.getInetAddresses())) {
          if (address instanceof Inet4Address && !address.isLoopbackAddress() && !address.isLinkLocalAddress()) {
            return Optional.of(address.getHostAddress());
          }
        }
      }
    } catch (SocketException e) {
      return Optional.empty();
    }
    return Optional.empty();
  }
}
