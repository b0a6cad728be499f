package dev.modelmux.emulator;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The fault each model plays now: one slot per model, starting with the configured fault. A fault with
 * {@code times > 0} is spent one request at a time and then leaves the slot at {@link Fault#NONE}.
 * Thread-safe.
 */
final class FaultBoard {
  private final Map<String, Fault> configured;
  private final Map<String, Fault> current = new ConcurrentHashMap<>();

  FaultBoard(Map<String, EmulatedModel> models) {
    Map<String, Fault> initial = new ConcurrentHashMap<>();
    models.forEach((name, model) -> initial.put(name, model.fault() == null ? Fault.NONE : model.fault()));
    this.configured = Map.copyOf(initial);
    current.putAll(configured);
  }

  boolean knows(String model) {
    return configured.containsKey(model);
  }

  void set(String model, Fault fault) {
    if (!knows(model)) {
      throw new IllegalArgumentException("unknown model '" + model + "'");
    }
    current.put(model, fault == null ? Fault.NONE : fault);
  }

  /** Back to the configured faults, with their full {@code times}. */
  void reset() {
    current.putAll(configured);
  }

  Fault current(String model) {
    return current.getOrDefault(model, Fault.NONE);
  }

  /** The fault to play on one request to {@code model}, spending one of its {@code times}. */
  Fault take(String model) {
    Fault[] taken = {Fault.NONE};
    current.computeIfPresent(model, (name, fault) -> {
      taken[0] = fault;
      if (fault.kind() == Fault.Kind.NONE || fault.times() == 0) {
        return fault;
      }
      return fault.times() == 1 ? Fault.NONE : fault.times(fault.times() - 1);
    });
    return taken[0];
  }
}
