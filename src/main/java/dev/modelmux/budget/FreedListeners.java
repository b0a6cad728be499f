package dev.modelmux.budget;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Who hears of freed budget: each listener is told in turn, and one that throws is logged, not left to stop the rest. */
final class FreedListeners implements FreedListener {
  private static final Logger LOG = LoggerFactory.getLogger(FreedListeners.class);

  private final List<FreedListener> listeners = new CopyOnWriteArrayList<>();

  void add(FreedListener listener) {
    listeners.add(listener);
  }

  @Override
  public void freed(String deploymentId, long tokens) {
    for (FreedListener l : listeners) {
      try {
        l.freed(deploymentId, tokens);
      } catch (RuntimeException e) {
        LOG.warn("budget freed listener failed for deployment {}", deploymentId, e);
      }
    }
  }
}
