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

  /** Literals the allocation-free IPv4 path reads, and their neighbours it leaves to the general path: as before. */
  @ParameterizedTest
  @ValueSource(strings = {"127.255.255.255", "127.0.0.01", "127.000.000.001", "[127.0.0.1]", "::FFFF:127.0.0.1"})
  void loopbackLiteralsInEveryForm(String host) {
    assertThat(Loopback.isLoopback(host)).isTrue();
  }

  /** Near misses and spoofs: a port, a trailing dot or space, a name that starts like a loopback address. */
  @ParameterizedTest
  @ValueSource(strings = {"127.256.0.1", "0127.0.0.1", "127.0.0", "127.0.0.1.", "127..0.1", ".127.0.0.1", "127.0.0.1 ",
      " 127.0.0.1", "127.0.0.1:80", "[::1]:8080", "localhost:80", "128.0.0.1", "126.0.0.1", "255.255.255.255", "999.0.0.1",
      "127.0.0.1%lo", "\u0661\u0662\u0667.0.0.1"})
  void nearMissesAreNotLoopback(String host) {
    assertThat(Loopback.isLoopback(host)).isFalse();
  }

  @Test
  void noHost() {
    assertThat(Loopback.isLoopback(null)).isFalse();
  }
}
