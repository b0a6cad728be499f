package dev.modelmux.gateway;

import static dev.modelmux.testing.Eventually.assertEventually;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.LoggingEvent;
import dev.modelmux.metrics.DroppedLogLines;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The access log's own appender: the console pattern's line, byte for byte, and a full queue that drops instead of blocking. */
class AccessLogAppenderTest {
  private static final String CONSOLE_PATTERN = "%d{HH:mm:ss.SSS} %-5level [%thread] %logger{20} - %msg%n";
  private final LoggerContext context = new LoggerContext();

  @Test
  void writesTheLineTheConsolePatternWrote() throws Exception {
    LoggingEvent[] events = {
        event("modelmux.access", "request_id={} route={} status={} total_ms={} prompt={}", "req-1", "chat-é", 200, 12L, "-"),
        event("modelmux.access", "odd ones: {} {} {}", "naïve ☃ 😀", "lone \uD800 surrogate", null),
        event("dev.modelmux.gateway.SomeLongerLoggerName", "a long logger name is abbreviated as %logger{20} does")};
    events[0].setTimeStamp(1_700_000_000_007L);
    events[1].setTimeStamp(1_700_000_059_999L);
    events[2].setTimeStamp(1_700_000_060_000L);
    PatternLayout layout = new PatternLayout();
    layout.setContext(context);
    layout.setPattern(CONSOLE_PATTERN);
    layout.start();
    StringBuilder expected = new StringBuilder();
    for (LoggingEvent e : events) {
      expected.append(layout.doLayout(e));
    }

    ByteArrayOutputStream out = new ByteArrayOutputStream();
    AccessLogAppender appender = started(new AccessLogAppender(out), 16);
    for (LoggingEvent e : events) {
      appender.doAppend(e);
    }
    appender.stop();

    // The console wrote the layout's String as UTF-8 bytes (a lone surrogate as '?'): compare those bytes.
    byte[] consoleBytes = expected.toString().getBytes(StandardCharsets.UTF_8);
    assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo(new String(consoleBytes, StandardCharsets.UTF_8));
    assertThat(out.toByteArray()).isEqualTo(consoleBytes);
  }

  @Test
  void aFullQueueDropsAndCountsLinesWithoutBlockingTheCaller() throws Exception {
    CountDownLatch writing = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    ByteArrayOutputStream written = new ByteArrayOutputStream();
    OutputStream stuck = new OutputStream() {
      @Override
      public void write(int b) {
        written.write(b);
      }

      @Override
      public void write(byte[] b, int off, int len) {
        writing.countDown();
        try {
          release.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        written.write(b, off, len);
      }
    };
    AccessLogAppender appender = started(new AccessLogAppender(stuck), 4);
    appender.doAppend(event("modelmux.access", "line 0"));
    assertThat(writing.await(10, TimeUnit.SECONDS)).as("the writer took the first line and is stuck writing it").isTrue();

    long droppedBefore = DroppedLogLines.count();
    long start = System.nanoTime();
    for (int i = 1; i <= 10; i++) {
      appender.doAppend(event("modelmux.access", "line " + i));
    }
    long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

    assertThat(tookMs).as("appending while the writer is stuck returns at once").isLessThan(2_000);
    assertThat(DroppedLogLines.count() - droppedBefore).as("4 lines fit the queue, 6 are dropped and counted").isEqualTo(6);
    release.countDown();
    assertEventually(() -> assertThat(written.toString(StandardCharsets.UTF_8)).contains("line 4"));
    appender.stop();
    assertThat(written.toString(StandardCharsets.UTF_8).lines().map(l -> l.substring(l.indexOf(" - ") + 3)))
        .containsExactly("line 0", "line 1", "line 2", "line 3", "line 4");
  }

  @Test
  void theShippedLogbackConfigSendsTheAccessLogOnlyThroughIt() throws Exception {
    JoranConfigurator configurator = new JoranConfigurator();
    configurator.setContext(context);
    configurator.doConfigure(Path.of("src/main/resources/logback.xml").toFile());
    Logger access = context.getLogger("modelmux.access");

    assertThat(access.getAppender("ACCESS")).isInstanceOf(AccessLogAppender.class).matches(a -> a.isStarted());
    assertThat(access.isAdditive()).as("not also through the root's async appender").isFalse();
    assertThat(access.getEffectiveLevel()).isEqualTo(Level.INFO);
    context.stop();
  }

  private AccessLogAppender started(AccessLogAppender appender, int queueSize) {
    appender.setContext(context);
    appender.setQueueSize(queueSize);
    appender.start();
    return appender;
  }

  private LoggingEvent event(String logger, String message, Object... args) {
    LoggingEvent event = new LoggingEvent(AccessLog.class.getName(), context.getLogger(logger), Level.INFO, message, null, args);
    event.setThreadName("vert.x-eventloop-thread-1");
    return event;
  }
}
