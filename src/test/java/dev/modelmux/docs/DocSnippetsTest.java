package dev.modelmux.docs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Runs every {@code bash runnable} block of README.md and docs/*.md, in document order, against the demo config on
 * free ports (see docs/README.md, "Runnable snippets"): each must exit 0 and print something. The runner itself is
 * checked on broken blocks, so a block that fails cannot pass.
 */
class DocSnippetsTest {
  private static final Path REPOSITORY = Path.of("").toAbsolutePath();
  /** Generous: a block makes a few calls to emulated models that answer within seconds, on a machine that may be busy. */
  private static final long TIMEOUT_SECONDS = 120;

  private static DemoOnFreePorts demo;

  @BeforeAll
  static void startDemo() throws IOException {
    demo = DemoOnFreePorts.start(REPOSITORY);
  }

  @AfterAll
  static void stopDemo() throws IOException {
    if (demo != null) {
      demo.close();
    }
  }

  static List<RunnableSnippets.Snippet> allSnippets() throws IOException {
    List<Path> files = new ArrayList<>();
    files.add(REPOSITORY.resolve("README.md"));
    try (Stream<Path> docs = Files.list(REPOSITORY.resolve("docs"))) {
      docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(files::add);
    }
    List<RunnableSnippets.Snippet> snippets = new ArrayList<>();
    for (Path file : files) {
      snippets.addAll(RunnableSnippets.in(REPOSITORY.relativize(file).toString(), Files.readString(file)));
    }
    return snippets;
  }

  @TestFactory
  Stream<DynamicTest> everyRunnableBlockWorksAgainstTheDemo() throws IOException {
    SnippetRunner runner = new SnippetRunner(demo.address(), REPOSITORY, TIMEOUT_SECONDS);
    return allSnippets().stream().map(s -> DynamicTest.dynamicTest(s.toString(), () -> SnippetRunner.assertWorked(s, runner.run(s))));
  }

  @Test
  void theReadmeTourIsRunnable() throws IOException {
    long inReadme = allSnippets().stream().filter(s -> s.file().equals("README.md")).count();
    assertThat(inReadme).as("runnable blocks in README.md (the tour's curl calls)").isGreaterThanOrEqualTo(4);
  }

  @Test
  void aBrokenBlockFails() throws Exception {
    SnippetRunner runner = new SnippetRunner(demo.address(), REPOSITORY, TIMEOUT_SECONDS);
    String markdown = """
        # a doc
        ```bash runnable
        curl -s http://127.0.0.1:8080/v1/models
        false
        ```
        ```bash runnable
        curl -sf http://127.0.0.1:8080/no/such/path
        ```
        ```bash runnable
        curl -s http://127.0.0.1:8080/v1/models | grep -q no-such-model-anywhere; echo found
        ```
        ```bash runnable
        curl -s -o /dev/null http://127.0.0.1:8080/v1/models
        ```
        ```bash runnable
        echo "$UNSET_VARIABLE_IN_A_SNIPPET"
        ```
        """;
    List<RunnableSnippets.Snippet> broken = RunnableSnippets.in("broken.md", markdown);
    assertThat(broken).hasSize(5);
    for (RunnableSnippets.Snippet snippet : broken) {
      SnippetRunner.Outcome outcome = runner.run(snippet);
      assertThatThrownBy(() -> SnippetRunner.assertWorked(snippet, outcome)).as(snippet.code()).isInstanceOf(AssertionError.class);
    }
  }

  @Test
  void aWorkingBlockPassesAndReachesTheTestsGateway() throws Exception {
    SnippetRunner runner = new SnippetRunner(demo.address(), REPOSITORY, TIMEOUT_SECONDS);
    RunnableSnippets.Snippet snippet = RunnableSnippets.in("ok.md", """
          - in a list item:

            ```bash runnable
            curl -s http://127.0.0.1:8080/v1/models
            ```
        """).get(0);
    SnippetRunner.Outcome outcome = runner.run(snippet);
    SnippetRunner.assertWorked(snippet, outcome);
    assertThat(outcome.stdout()).contains("code-reasoning");
  }

  @Test
  void onlyMarkedBashBlocksAreRunAndABlockMayNotNameTheDemoPortsOtherwise() {
    List<RunnableSnippets.Snippet> found = RunnableSnippets.in("mixed.md", """
        ```bash
        kubectl apply -k k8s/overlays/dev
        ```
        ````markdown
        ```bash runnable
        inside another block: not a block of its own
        ```
        ````
        ```python
        print("no")
        ```
        ```bash runnable
        curl -s localhost:8080/v1/models
        ```
        """);
    assertThat(found).extracting(RunnableSnippets.Snippet::line).containsExactly(12);
    assertThatThrownBy(() -> SnippetRunner.checkAddresses(found.get(0))).hasMessageContaining("localhost:8080");
  }
}
