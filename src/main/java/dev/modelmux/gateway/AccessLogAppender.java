package dev.modelmux.gateway;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.UnsynchronizedAppenderBase;
import dev.modelmux.metrics.DroppedLogLines;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The access log's appender (named in logback.xml): an event loop hands its line to one writer thread through a
 * lock-free queue and returns; the writer formats the lines of a batch as the console pattern did and writes them to
 * standard output in one write. When the writer falls {@code queueSize} lines behind, a line is dropped and counted
 * ({@code modelmux_access_log_dropped_total}): logging never blocks an event loop.
 */
public final class AccessLogAppender extends UnsynchronizedAppenderBase<ILoggingEvent> {
  private static final long IDLE_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

  private final Queue<ILoggingEvent> queue = new ConcurrentLinkedQueue<>();
  private final AtomicInteger queued = new AtomicInteger();
  private final OutputStream out;
  private int queueSize = 8192;
  private volatile boolean running;
  private Thread writer;

  public AccessLogAppender() {
    this(System.out);
  }

  AccessLogAppender(OutputStream out) {
    this.out = out;
  }

  /** Lines waiting for the writer beyond which new ones are dropped (logback.xml: {@code <queueSize>}). */
  public void setQueueSize(int queueSize) {
    this.queueSize = queueSize;
  }

  @Override
  public void start() {
    if (queueSize < 1) {
      addError("queueSize must be at least 1, got " + queueSize);
      return;
    }
    running = true;
    writer = new Thread(this::writeUntilStopped, "modelmux-access-log");
    writer.setDaemon(true);
    writer.start();
    super.start();
  }

  @Override
  public void stop() {
    if (!isStarted()) {
      return;
    }
    super.stop();
    running = false;
    LockSupport.unpark(writer);
    try {
      writer.join(TimeUnit.SECONDS.toMillis(1));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  protected void append(ILoggingEvent event) {
    if (queued.incrementAndGet() > queueSize) {
      queued.decrementAndGet();
      DroppedLogLines.dropped();
      return;
    }
    event.getThreadName(); // read now: the writer is another thread (the message is formatted there)
    queue.offer(event);
  }

  private void writeUntilStopped() {
    AccessLineFormat format = new AccessLineFormat();
    while (running) {
      if (!writeBatch(format)) {
        LockSupport.parkNanos(this, IDLE_PARK_NANOS);
      }
    }
    writeBatch(format);
  }

  /** Writes the lines queued now (at most a queue's worth) in one write; false when there was none. */
  private boolean writeBatch(AccessLineFormat format) {
    ILoggingEvent event = queue.poll();
    if (event == null) {
      return false;
    }
    format.reset();
    for (int lines = 1; event != null; lines++) {
      queued.decrementAndGet();
      format.append(event);
      event = lines < queueSize ? queue.poll() : null;
    }
    try {
      format.writeTo(out);
      out.flush();
    } catch (IOException | RuntimeException e) {
      addError("cannot write the access log", e);
    }
    return true;
  }
}
