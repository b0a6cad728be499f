package dev.modelmux.emulator;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/** The live, thread-safe counters behind a {@link ModelStats} snapshot. */
final class ModelCounters {
  /** How many arrival times are kept: the latest ones. */
  static final int ARRIVALS_KEPT = 10_000;

  final LongAdder requests = new LongAdder();
  final LongAdder ok = new LongAdder();
  final LongAdder rateLimited = new LongAdder();
  final LongAdder errors = new LongAdder();
  final LongAdder faults = new LongAdder();
  final LongAdder streamsCompleted = new LongAdder();
  final LongAdder peerClosed = new LongAdder();
  final LongAdder promptTokens = new LongAdder();
  final LongAdder completionTokens = new LongAdder();
  final LongAdder piecesSent = new LongAdder();
  final LongAdder drainWaits = new LongAdder();
  private final Deque<Long> arrivals = new ArrayDeque<>();

  /** A chat request named this model: counted, and its arrival time (System.nanoTime) kept. */
  void arrived() {
    requests.increment();
    long now = System.nanoTime();
    synchronized (arrivals) {
      if (arrivals.size() == ARRIVALS_KEPT) {
        arrivals.removeFirst();
      }
      arrivals.addLast(now);
    }
  }

  List<Long> arrivals() {
    synchronized (arrivals) {
      return new ArrayList<>(arrivals);
    }
  }

  void status(int status) {
    if (status == 200) {
      ok.increment();
    } else if (status == 429) {
      rateLimited.increment();
    } else {
      errors.increment();
    }
  }

  void served(AnswerPlan plan) {
    promptTokens.add(plan.promptTokens());
    completionTokens.add(plan.completionTokens());
  }

  ModelStats snapshot(long maxRequests, long maxTokens) {
    return new ModelStats(requests.sum(), ok.sum(), rateLimited.sum(), errors.sum(), faults.sum(),
        streamsCompleted.sum(), peerClosed.sum(), promptTokens.sum(), completionTokens.sum(), maxRequests, maxTokens,
        piecesSent.sum(), drainWaits.sum());
  }
}
