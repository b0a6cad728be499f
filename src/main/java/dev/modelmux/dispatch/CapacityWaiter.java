package dev.modelmux.dispatch;

import dev.modelmux.budget.BudgetStore;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Requests that found every candidate at its limit wait here, first come first served, until budget is given back on
 * one of their deployments or the window frees it by itself. One per process (all event loops): freed budget wakes
 * only as many waiters as it can serve (their reservations fit in what was freed), each on its own event loop. The budget store hears when this replica starts and stops having waiters on a deployment, so freed
 * budget is announced only where somebody waits.
 */
public final class CapacityWaiter {
  /** {@code needs}: the tokens the request would reserve on each deployment it waits for. */
  private static final class Waiter {
    final Context context;
    final Map<String, Long> needs;
    final Promise<String> wake = Promise.promise();
    volatile long timer = -1;

    Waiter(Context context, Map<String, Long> needs) {
      this.context = context;
      this.needs = Map.copyOf(needs);
    }

    Context context() {
      return context;
    }

    Map<String, Long> needs() {
      return needs;
    }

    Promise<String> wake() {
      return wake;
    }
  }

  private final Vertx vertx;
  private final BudgetStore budgets;
  private final List<Waiter> queue = new ArrayList<>();
  private final Map<String, Integer> waitingOn = new HashMap<>();

  public CapacityWaiter(Vertx vertx, BudgetStore budgets) {
    this.vertx = vertx;
    this.budgets = budgets;
    budgets.onFreed(this::freed);
  }

  /**
   * Completes with the deployment that freed budget for this request, or with null after {@code maxMs}. Call it on
   * the request's event loop: it is woken there.
   */
  Future<String> await(Map<String, Long> needs, long maxMs) {
    Waiter w = new Waiter(vertx.getOrCreateContext(), needs);
    synchronized (this) {
      queue.add(w);
      w.needs().keySet().forEach(this::startWaiting);
    }
    w.timer = vertx.setTimer(Math.max(1, maxMs), id -> {
      if (remove(w)) {
        w.wake().tryComplete(null);
      }
    });
    return w.wake().future();
  }

  /** {@code tokens} came back on a deployment: wake the first waiters that fit in it (0, not known: wake one). */
  void freed(String deploymentId, long tokens) {
    List<Waiter> woken = new ArrayList<>();
    synchronized (this) {
      long left = tokens;
      for (Iterator<Waiter> it = queue.iterator(); it.hasNext(); ) {
        Waiter w = it.next();
        Long need = w.needs().get(deploymentId);
        if (need == null) {
          continue;
        }
        if (need > left && !(tokens <= 0 && woken.isEmpty())) {
          break; // first come first served: later, smaller requests do not jump the queue
        }
        it.remove();
        w.needs().keySet().forEach(this::stopWaiting);
        woken.add(w);
        left -= need;
        if (left <= 0) {
          break;
        }
      }
    }
    for (Waiter w : woken) {
      vertx.cancelTimer(w.timer);
      w.context().runOnContext(v -> w.wake().tryComplete(deploymentId));
    }
  }

  private synchronized boolean remove(Waiter w) {
    if (!queue.remove(w)) {
      return false;
    }
    w.needs().keySet().forEach(this::stopWaiting);
    return true;
  }

  private void startWaiting(String deploymentId) {
    if (waitingOn.merge(deploymentId, 1, Integer::sum) == 1) {
      budgets.waiting(deploymentId, true);
    }
  }

  private void stopWaiting(String deploymentId) {
    if (waitingOn.merge(deploymentId, -1, Integer::sum) <= 0) {
      waitingOn.remove(deploymentId);
      budgets.waiting(deploymentId, false);
    }
  }
}
