package dev.modelmux.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LoopbackTest {
  @ParameterizedTest
  @ValueSource(strings = {"127.0.0.1", "127.1.2.3", "localhost", "LOCALHOST", "LocalHost", "::1", "[::1]",
      "0:0:0:0:0:0:0:1", "::ffff:127.0.0.1"})
  void loopbackHosts(String host) {
    assertThat(Loopback.isLoopback(host)).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "10.0.0.1", "192.168.1.1", "example.com", "localhost.example.com", "127.0.0.1.nip.io",
      "::2", "[2001:db8::1]", "0.0.0.0", "::"})
  void otherHosts(String host) {
    assertThat(Loopback.isLoopback(host)).isFalse();
  }

  @Test
  void noHost() {
    assertThat(Loopback.isLoopback(null)).isFalse();
  }
}
