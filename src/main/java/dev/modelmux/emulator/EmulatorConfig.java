package dev.modelmux.emulator;

import java.util.List;

/** The built-in provider emulator: the port it listens on and the models it serves. */
public record EmulatorConfig(String host, int port, List<EmulatedModel> models) {

  /** Models served when none are configured: the families the demo and benchmarks use, instant answers. */
  public static List<EmulatedModel> defaultModels() {
    return List.of(
        new EmulatedModel("gpt-4", 0, 0, 8192, 0, 0, Fault.NONE),
        new EmulatedModel("gpt-4o", 0, 0, 128000, 0, 0, Fault.NONE),
        new EmulatedModel("gpt-3.5-turbo", 0, 0, 4096, 0, 0, Fault.NONE),
        new EmulatedModel("claude-2", 0, 0, 100000, 0, 0, Fault.NONE),
        new EmulatedModel("claude-instant-1", 0, 0, 100000, 0, 0, Fault.NONE));
  }
}
