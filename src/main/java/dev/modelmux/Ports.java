package dev.modelmux;

import dev.modelmux.config.DeploymentConfig;
import dev.modelmux.config.GatewayConfig;
import dev.modelmux.config.Loopback;
import dev.modelmux.emulator.EmulatorConfig;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The ports a config listens on: moved to free ones for a gateway run in-process, and named when one cannot be bound. */
final class Ports {
  private Ports() {}

  /**
   * The same config with its in-process emulator on a free port, and every deployment that called the emulator's
   * loopback port calling the new one: so eval and replay run beside a gateway (the demo) that holds the configured port.
   */
  static GatewayConfig withFreeEmulatorPort(GatewayConfig config) {
    EmulatorConfig emulator = config.section(EmulatorConfig.SECTION, EmulatorConfig.class).orElse(null);
    if (emulator == null) {
      return config;
    }
    int free = free();
    List<DeploymentConfig> moved = config.deployments().stream()
        .map(d -> callsEmulator(d.baseUrl(), emulator.port()) ? d.withBaseUrl(withPort(d.baseUrl(), free)) : d).toList();
    return config.withSection(EmulatorConfig.SECTION, emulator.at(emulator.host(), free)).withDeployments(moved);
  }

  /**
   * Why the gateway of {@code config} did not start, in one line. When a listener could not bind, which one, found by
   * trying each again: "in use" only for a port something holds (EADDRINUSE), else the bind's own error (an address
   * this host does not have, a port it may not open). Any other failure: its own message.
   */
  static String explain(Throwable failure, GatewayConfig config) {
    Throwable bind = bindFailure(failure);
    if (bind == null) {
      return String.valueOf(failure.getMessage());
    }
    Map<String, InetSocketAddress> listeners = new LinkedHashMap<>();
    listeners.put("server.port", new InetSocketAddress(config.server().host(), config.server().port()));
    if (config.server().admin().port() != null && config.server().admin().port() != 0) {
      listeners.put("server.admin_port", new InetSocketAddress(config.server().admin().host(), config.server().admin().port()));
    }
    config.section(EmulatorConfig.SECTION, EmulatorConfig.class)
        .ifPresent(e -> listeners.put("emulator.port", new InetSocketAddress(e.host(), e.port())));
    for (Map.Entry<String, InetSocketAddress> listener : listeners.entrySet()) {
      InetSocketAddress address = listener.getValue();
      IOException refused = bindError(address);
      if (refused == null) {
        continue;
      }
      if (isAddressInUse(refused)) {
        return "port " + address.getPort() + " (" + listener.getKey() + ") is already in use; stop what holds it or "
            + "choose another port";
      }
      return "cannot listen on " + address.getHostString() + ":" + address.getPort() + " (" + listener.getKey() + "): "
          + refused.getMessage();
    }
    return isAddressInUse(failure) ? "a port is already in use (" + bind.getMessage() + ")" : "cannot listen: " + bind.getMessage();
  }

  /** The failure is a bind refused because something holds the port (EADDRINUSE), not any other bind error. */
  static boolean isAddressInUse(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (String.valueOf(t.getMessage()).contains("Address already in use")) {
        return true;
      }
    }
    return false;
  }

  private static Throwable bindFailure(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof BindException || String.valueOf(t.getMessage()).contains("Address already in use")) {
        return t;
      }
    }
    return null;
  }

  /** Why {@code address} cannot be bound now, or null when it can. */
  private static IOException bindError(InetSocketAddress address) {
    try (ServerSocket probe = new ServerSocket()) {
      probe.bind(address);
      return null;
    } catch (IOException e) {
      return e;
    }
  }

  private static boolean callsEmulator(URI url, int port) {
    return Loopback.isLoopback(url.getHost()) && url.getPort() == port;
  }

  private static URI withPort(URI url, int port) {
    try {
      return new URI(url.getScheme(), url.getUserInfo(), url.getHost(), port, url.getPath(), url.getQuery(), url.getFragment());
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(e);
    }
  }

  private static int free() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException("no free port on loopback", e);
    }
  }
}
