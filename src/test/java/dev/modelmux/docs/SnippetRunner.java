package dev.modelmux.docs;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Runs a runnable snippet with {@code bash -euo pipefail} against a gateway on another port than the demo's: the
 * docs address the demo as {@code 127.0.0.1:8080}, which is replaced by the gateway's address, and nothing else is.
 */
final class SnippetRunner {
  /** The demo's address as the docs write it. */
  static final String DEMO_ADDRESS = "127.0.0.1:8080";

  record Outcome(int exitStatus, String stdout, String stderr, boolean timedOut) {}

  private final String address;
  private final Path workingDirectory;
  private final long timeoutSeconds;

  SnippetRunner(String address, Path workingDirectory, long timeoutSeconds) {
    this.address = address;
    this.workingDirectory = workingDirectory;
    this.timeoutSeconds = timeoutSeconds;
  }

  /**
   * A block may reach the demo only as {@link #DEMO_ADDRESS}: another spelling of it, or the emulator's own port,
   * would reach a demo the reader runs rather than the test's.
   */
  static void checkAddresses(RunnableSnippets.Snippet snippet) {
    for (String other : new String[] {"localhost:8080", "0.0.0.0:8080", "[::1]:8080", ":9099"}) {
      if (snippet.code().contains(other)) {
        throw new AssertionError(snippet + ": a runnable block reaches the demo as http://" + DEMO_ADDRESS + " only, not " + other);
      }
    }
  }

  Outcome run(RunnableSnippets.Snippet snippet) throws IOException, InterruptedException {
    checkAddresses(snippet);
    Path script = Files.createTempFile("snippet", ".sh");
    Path out = Files.createTempFile("snippet", ".out");
    Path err = Files.createTempFile("snippet", ".err");
    try {
      Files.writeString(script, snippet.code().replace(DEMO_ADDRESS, address));
      Process process = new ProcessBuilder("bash", "-euo", "pipefail", script.toString())
          .directory(workingDirectory.toFile())
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
          .redirectOutput(out.toFile())
          .redirectError(err.toFile())
          .start();
      boolean ended = process.waitFor(timeoutSeconds, TimeUnit.SECONDS);
      if (!ended) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly().waitFor();
      }
      return new Outcome(ended ? process.exitValue() : -1, Files.readString(out, StandardCharsets.UTF_8),
          Files.readString(err, StandardCharsets.UTF_8), !ended);
    } finally {
      Files.deleteIfExists(script);
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }

  /** Exit status 0 and something printed, or an AssertionError saying what the block did instead. */
  static void assertWorked(RunnableSnippets.Snippet snippet, Outcome outcome) {
    String said = "\n--- block ---\n" + snippet.code() + "--- stdout ---\n" + outcome.stdout() + "--- stderr ---\n" + outcome.stderr();
    if (outcome.timedOut()) {
      throw new AssertionError(snippet + ": did not end in time" + said);
    }
    if (outcome.exitStatus() != 0) {
      throw new AssertionError(snippet + ": exited " + outcome.exitStatus() + said);
    }
    if (outcome.stdout().isBlank()) {
      throw new AssertionError(snippet + ": printed nothing" + said);
    }
  }
}
