package dev.modelmux.gateway;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Requests that found every candidate at its limit wait here until budget is given back on one of their
 * deployments (on this replica or, through the budget store, another) or until the window frees it by itself.
 * One per front verticle; everything runs on that verticle's event loop.
 */
final class CapacityWaiter {
  private record Waiter(Collection<String> deployments, Promise<Void> wake, long timer) {}

  private final Vertx vertx;
  private final Context context;
  private final List<Waiter> waiters = new ArrayList<>();

  CapacityWaiter(Vertx vertx, Context context) {
    this.vertx = vertx;
    this.context = context;
  }

  /** Completes when one of the deployments frees budget, or after {@code maxMs}, whichever comes first. */
  Future<Void> await(Collection<String> deployments, long maxMs) {
    Promise<Void> wake = Promise.promise();
    Waiter[] self = new Waiter[1];
    long timer = vertx.setTimer(Math.max(1, maxMs), id -> {
      waiters.remove(self[0]);
      wake.tryComplete();
    });
    self[0] = new Waiter(deployments, wake, timer);
    waiters.add(self[0]);
    return wake.future();
  }

  /** Budget came back on a deployment: wake everyone waiting for it. Safe to call from any thread. */
  void freed(String deploymentId) {
    context.runOnContext(v -> waiters.removeIf(w -> {
      if (!w.deployments().contains(deploymentId)) {
        return false;
      }
      vertx.cancelTimer(w.timer());
      w.wake().tryComplete();
      return true;
    }));
  }
}
