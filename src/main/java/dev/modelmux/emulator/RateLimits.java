package dev.modelmux.emulator;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/** Sliding 60 s windows per (API key, model) on the emulator's clock. Thread-safe. */
final class RateLimits {
  private final Map<String, Map<String, SlidingWindow>> byModel = new ConcurrentHashMap<>();
  private final LongSupplier clockMs;

  RateLimits(LongSupplier clockMs) {
    this.clockMs = clockMs;
  }

  /** Tries to spend one request and {@code cost} tokens of {@code key}'s budget on {@code model}. */
  SlidingWindow.Decision tryAcquire(String key, EmulatedModel model, long cost) {
    return window(key, model.name()).tryAcquire(model.name(), clockMs.getAsLong(), cost, model.rpm(), model.tpm());
  }

  /** The current header state for {@code key} on {@code model} (a fresh window when none exists). */
  RateLimitState state(String key, EmulatedModel model) {
    Map<String, SlidingWindow> windows = byModel.get(model.name());
    SlidingWindow window = windows == null || key == null ? null : windows.get(key);
    return window == null
        ? new RateLimitState(model.rpm(), model.rpm(), 0, model.tpm(), model.tpm(), 0)
        : window.state(clockMs.getAsLong(), model.rpm(), model.tpm());
  }

  /** The most requests any one key had admitted inside one 60 s window on {@code model}. */
  long maxRequests(String model) {
    return byModel.getOrDefault(model, Map.of()).values().stream().mapToLong(SlidingWindow::maxRequests).max().orElse(0);
  }

  /** The most tokens any one key had admitted inside one 60 s window on {@code model}. */
  long maxTokens(String model) {
    return byModel.getOrDefault(model, Map.of()).values().stream().mapToLong(SlidingWindow::maxTokens).max().orElse(0);
  }

  private SlidingWindow window(String key, String model) {
    return byModel.computeIfAbsent(model, m -> new ConcurrentHashMap<>()).computeIfAbsent(key, k -> new SlidingWindow());
  }
}
