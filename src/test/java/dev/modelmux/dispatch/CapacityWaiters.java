package dev.modelmux.dispatch;

import io.vertx.core.Future;
import java.util.Map;

/** Lets tests outside this package wait in a {@link CapacityWaiter} as a request does (call it on an event loop). */
public final class CapacityWaiters {
  private CapacityWaiters() {}

  public static Future<String> await(CapacityWaiter waiter, Map<String, Long> needs, long maxMs) {
    return waiter.await(needs, maxMs);
  }
}
