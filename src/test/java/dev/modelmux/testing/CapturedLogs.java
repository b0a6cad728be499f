package dev.modelmux.testing;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.LoggerFactory;

/** Every log event, captured synchronously and safe to read from the test thread while event loops write. */
public final class CapturedLogs extends AppenderBase<ILoggingEvent> {
  public final List<ILoggingEvent> events = new CopyOnWriteArrayList<>();

  public static CapturedLogs attach() {
    CapturedLogs logs = new CapturedLogs();
    logs.start();
    root().addAppender(logs);
    return logs;
  }

  public void detach() {
    root().detachAppender(this);
  }

  @Override
  protected void append(ILoggingEvent event) {
    events.add(event);
  }

  private static Logger root() {
    return (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
  }
}
