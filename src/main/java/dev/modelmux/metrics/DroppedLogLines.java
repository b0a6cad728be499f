package dev.modelmux.metrics;

import java.util.concurrent.atomic.LongAdder;

/**
 * Access log lines dropped because the log's writer fell behind (its queue was full), for the whole process: the
 * appender is made by the logging configuration, not by the gateway, so the count lives here, where the gateway's
 * metrics read it ({@code modelmux_access_log_dropped_total}).
 */
public final class DroppedLogLines {
  private static final LongAdder DROPPED = new LongAdder();

  private DroppedLogLines() {}

  public static void dropped() {
    DROPPED.increment();
  }

  public static long count() {
    return DROPPED.sum();
  }
}
