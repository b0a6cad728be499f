package dev.modelmux.eval;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The review page's case files: marks, unmarks and removals of one file at once end in a file eval reads (or in no
 * file, once removed), and only {@code <task>/tests/review-*.yaml} inside the prompt repository is ever touched.
 */
class RegressionFilesTest {
  private static final String CASE = "- name: review r1\n  variables: { code: x }\n  assert: [{ contains: x }]\n";
  private static final String FILE = "leaks/tests/review-r1-0123.yaml";

  @TempDir
  Path dir;
  private Path prompts;
  private RegressionFiles files;

  @BeforeEach
  void setUp() throws Exception {
    prompts = dir.resolve("prompts");
    Files.createDirectories(prompts.resolve("leaks/tests"));
    Files.writeString(prompts.resolve(FILE), CASE);
    files = new RegressionFiles(prompts);
  }

  private List<Throwable> runAtOnce(List<Callable<?>> jobs) throws InterruptedException {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<?>> running = new ArrayList<>();
    for (Callable<?> job : jobs) {
      running.add(pool.submit(() -> {
        start.await();
        return job.call();
      }));
    }
    start.countDown();
    List<Throwable> failures = new ArrayList<>();
    for (Future<?> f : running) {
      try {
        f.get(60, TimeUnit.SECONDS);
      } catch (Exception e) {
        failures.add(e.getCause() == null ? e : e.getCause());
      }
    }
    pool.shutdownNow();
    return failures;
  }

  private List<String> leftInTests() throws Exception {
    try (Stream<Path> listed = Files.list(prompts.resolve("leaks/tests"))) {
      return listed.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void concurrentMarksAndUnmarksAllSucceedAndLeaveOneReadableFile() throws Exception {
    List<Callable<?>> jobs = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      String reason = i % 2 == 0 ? "reason " + i : null;
      jobs.add(() -> files.markKnownFailing(FILE, reason));
    }
    assertThat(runAtOnce(jobs)).as("no mark fails").isEmpty();
    assertThat(leftInTests()).as("no temporary file is left").containsExactly("review-r1-0123.yaml");
    assertThat(EvalCases.load(prompts.resolve("leaks"), "leaks")).hasSize(1);

    assertThat(files.markKnownFailing(FILE, "last")).isTrue();
    assertThat(files.describe(FILE).getString("known_failing")).isEqualTo("last");
  }

  @Test
  void aRemovedFileStaysRemovedWhateverMarksRanAlongside() throws Exception {
    for (int round = 0; round < 20; round++) {
      Files.writeString(prompts.resolve(FILE), CASE);
      List<Callable<?>> jobs = new ArrayList<>();
      for (int i = 0; i < 30; i++) {
        String reason = "reason " + i;
        jobs.add(() -> files.markKnownFailing(FILE, reason));
        if (i == 10) {
          jobs.add(() -> files.remove(FILE));
        }
      }
      assertThat(runAtOnce(jobs)).as("no mark or removal fails, round " + round).isEmpty();
      assertThat(leftInTests()).as("round " + round + ": the file stays removed, no temporary file left").isEmpty();
    }
  }

  @Test
  void onlyReviewCaseFilesDirectlyInATasksTestsFolderAreAccepted() throws Exception {
    assertThat(files.resolve(FILE)).isEqualTo(prompts.resolve(FILE).toAbsolutePath().normalize());
    assertThat(files.resolve("leaks/tests/review-gone-01.yaml")).as("a file that is gone can still be cleared").isNotNull();
    for (String rejected : List.of("leaks/tests/smoke.yaml", "leaks/tests/review-r1.txt", "leaks/tests/review-r1.yaml.bak",
        "leaks/tests/deeper/review-r1.yaml", "leaks/more/tests/review-r1.yaml", "tests/review-r1.yaml", "leaks/cases/review-r1.yaml",
        "../elsewhere/tests/review-r1.yaml", "leaks/../../elsewhere/tests/review-r1.yaml", "/etc/tests/review-r1.yaml", "")) {
      assertThat(files.resolve(rejected)).as(rejected).isNull();
    }

    Path outside = Files.createDirectories(dir.resolve("outside/tests"));
    Files.writeString(outside.resolve("review-x.yaml"), CASE);
    Files.createSymbolicLink(prompts.resolve("leaks/tests/review-link.yaml"), outside.resolve("review-x.yaml"));
    Files.createSymbolicLink(prompts.resolve("linked"), dir.resolve("outside"));
    assertThat(files.resolve("leaks/tests/review-link.yaml")).as("a link to a file outside").isNull();
    assertThat(files.resolve("linked/tests/review-x.yaml")).as("a task folder linked outside").isNull();
    assertThat(files.remove("linked/tests/review-x.yaml")).isFalse();
    assertThat(outside.resolve("review-x.yaml")).exists();
  }
}
