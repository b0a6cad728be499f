package dev.modelmux.gateway;

import ch.qos.logback.classic.pattern.TargetLengthBasedClassNameAbbreviator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * A batch of log lines as UTF-8 bytes, each as logback's console pattern
 * {@code %d{HH:mm:ss.SSS} %-5level [%thread] %logger{20} - %msg%n} writes it, built into one reused buffer: the time of
 * day is formatted once per second, and the line is never a String of its own. Used by one thread at a time.
 */
final class AccessLineFormat {
  private static final int LOGGER_LENGTH = 20;

  private final ZoneId zone = ZoneId.systemDefault();
  private final TargetLengthBasedClassNameAbbreviator abbreviator = new TargetLengthBasedClassNameAbbreviator(LOGGER_LENGTH);
  private final Map<String, String> loggers = new HashMap<>();
  private byte[] bytes = new byte[16 * 1024];
  private int length;
  private long second = Long.MIN_VALUE;
  private final byte[] hhmmss = new byte[8];

  void reset() {
    length = 0;
  }

  void append(ILoggingEvent event) {
    long millis = event.getTimeStamp();
    timeOfDay(millis);
    ascii('.');
    int ms = (int) Math.floorMod(millis, 1000L);
    ascii((char) ('0' + ms / 100));
    ascii((char) ('0' + ms / 10 % 10));
    ascii((char) ('0' + ms % 10));
    ascii(' ');
    String level = event.getLevel().toString();
    text(level);
    for (int pad = level.length(); pad < 5; pad++) {
      ascii(' ');
    }
    text(" [");
    text(event.getThreadName());
    text("] ");
    text(loggers.computeIfAbsent(event.getLoggerName(), abbreviator::abbreviate));
    text(" - ");
    text(event.getFormattedMessage());
    text(System.lineSeparator());
  }

  void writeTo(OutputStream out) throws IOException {
    out.write(bytes, 0, length);
  }

  private void timeOfDay(long millis) {
    long sec = Math.floorDiv(millis, 1000L);
    if (sec != second) {
      second = sec;
      LocalTime t = LocalTime.ofInstant(Instant.ofEpochSecond(sec), zone);
      twoDigits(hhmmss, 0, t.getHour());
      hhmmss[2] = ':';
      twoDigits(hhmmss, 3, t.getMinute());
      hhmmss[5] = ':';
      twoDigits(hhmmss, 6, t.getSecond());
    }
    room(hhmmss.length);
    System.arraycopy(hhmmss, 0, bytes, length, hhmmss.length);
    length += hhmmss.length;
  }

  private static void twoDigits(byte[] into, int at, int value) {
    into[at] = (byte) ('0' + value / 10);
    into[at + 1] = (byte) ('0' + value % 10);
  }

  private void ascii(char c) {
    room(1);
    bytes[length++] = (byte) c;
  }

  /** {@code s} as UTF-8 (a lone surrogate becomes '?', as String.getBytes does). */
  private void text(String s) {
    if (s == null) {
      text("null");
      return;
    }
    room(s.length() * 3);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        bytes[length++] = (byte) c;
      } else if (c < 0x800) {
        bytes[length++] = (byte) (0xC0 | c >> 6);
        bytes[length++] = (byte) (0x80 | c & 0x3F);
      } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        int cp = Character.toCodePoint(c, s.charAt(++i));
        bytes[length++] = (byte) (0xF0 | cp >> 18);
        bytes[length++] = (byte) (0x80 | cp >> 12 & 0x3F);
        bytes[length++] = (byte) (0x80 | cp >> 6 & 0x3F);
        bytes[length++] = (byte) (0x80 | cp & 0x3F);
      } else if (Character.isSurrogate(c)) {
        bytes[length++] = '?';
      } else {
        bytes[length++] = (byte) (0xE0 | c >> 12);
        bytes[length++] = (byte) (0x80 | c >> 6 & 0x3F);
        bytes[length++] = (byte) (0x80 | c & 0x3F);
      }
    }
  }

  private void room(int more) {
    if (length + more > bytes.length) {
      bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + more));
    }
  }
}
