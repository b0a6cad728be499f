package dev.modelmux.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Which signal may skip the drain delay of an idle gateway: Ctrl-C at a console only. */
class ShutdownTest {
  @Test
  void ctrlCAtAConsoleSkipsTheDelay() {
    assertThat(Shutdown.skipsDrainDelayWhenIdle("INT", true)).isTrue();
  }

  @Test
  void sigintFromASupervisorWithoutAConsoleKeepsTheDelay() {
    assertThat(Shutdown.skipsDrainDelayWhenIdle("INT", false)).isFalse();
  }

  @Test
  void sigtermAlwaysKeepsTheDelay() {
    assertThat(Shutdown.skipsDrainDelayWhenIdle("TERM", true)).isFalse();
    assertThat(Shutdown.skipsDrainDelayWhenIdle("TERM", false)).isFalse();
  }
}
