package dev.modelmux.emulator;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The fault each model plays now: one slot per model, starting with the configured fault. A fault with
 * {@code times > 0} is spent one request at a time, and one with {@code for_ms > 0} lasts that long from when it was
 * set (or configured, or reset); either then leaves the slot at {@link Fault#NONE}. Thread-safe.
 */
final class FaultBoard {
  private final Map<String, Fault> configured;
  private final Map<String, Slot> current = new ConcurrentHashMap<>();

  /** A fault and when it stops (System.nanoTime), or {@code Long.MAX_VALUE} when it lasts until cleared or spent. */
  private record Slot(Fault fault, long untilNanos) {
    static Slot of(Fault fault) {
      Fault f = fault == null ? Fault.NONE : fault;
      return new Slot(f, f.forMs() > 0 ? System.nanoTime() + f.forMs() * 1_000_000 : Long.MAX_VALUE);
    }

    Fault now() {
      return untilNanos != Long.MAX_VALUE && System.nanoTime() - untilNanos >= 0 ? Fault.NONE : fault;
    }
  }

  FaultBoard(Map<String, EmulatedModel> models) {
    Map<String, Fault> initial = new ConcurrentHashMap<>();
    models.forEach((name, model) -> initial.put(name, model.fault() == null ? Fault.NONE : model.fault()));
    this.configured = Map.copyOf(initial);
    reset();
  }

  boolean knows(String model) {
    return configured.containsKey(model);
  }

  void set(String model, Fault fault) {
    if (!knows(model)) {
      throw new IllegalArgumentException("unknown model '" + model + "'");
    }
    current.put(model, Slot.of(fault));
  }

  /** Back to the configured faults, with their full {@code times} and {@code for_ms}. */
  void reset() {
    configured.forEach((model, fault) -> current.put(model, Slot.of(fault)));
  }

  Fault current(String model) {
    Slot slot = current.get(model);
    return slot == null ? Fault.NONE : slot.now();
  }

  /**
   * The fault to play on one request to {@code model}, spending one of its {@code times}; a {@link Fault.Kind#REJECT_PREFILL}
   * is spent only by the requests it refuses ({@code prefill}: the conversation ends with an assistant turn).
   */
  Fault take(String model, boolean prefill) {
    Fault[] taken = {Fault.NONE};
    current.computeIfPresent(model, (name, slot) -> {
      Fault fault = slot.now();
      if (fault.kind() == Fault.Kind.REJECT_PREFILL && !prefill) {
        return slot;
      }
      taken[0] = fault;
      if (fault.kind() == Fault.Kind.NONE || fault.times() == 0) {
        return slot;
      }
      return fault.times() == 1 ? Slot.of(Fault.NONE) : new Slot(fault.times(fault.times() - 1), slot.untilNanos());
    });
    return taken[0];
  }
}
