package dev.modelmux.prompts;

import static dev.modelmux.testing.Eventually.assertEventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Loading the repository from disk: variants per family, versions, refused files, hot reload that keeps the last good one. */
@ExtendWith(VertxExtension.class)
class PromptRepositoryTest {
  private static final Set<String> ROUTES = Set.of("code-reasoning");

  @TempDir
  Path dir;

  private void write(String file, String content) throws IOException {
    Path path = dir.resolve(file);
    Files.createDirectories(path.getParent());
    Files.writeString(path, content);
  }

  private PromptRepository repository() {
    return new PromptRepository(dir, ROUTES::contains);
  }

  private void standardTask() throws IOException {
    write("explain/task.yaml", "route: code-reasoning\nvariables: { code: { required: true } }\n");
    write("explain/gpt-4.yaml", "match: [gpt-4, gpt-4o]\nmessages:\n  - { role: user, content: \"g4 {{code}}\" }\n");
    write("explain/gpt-4o.yaml", "match: [gpt-4o]\nmessages:\n  - { role: user, content: \"g4o {{code}}\" }\n");
    write("explain/default.yaml", "match: default\nmessages:\n  - { role: user, content: \"any {{code}}\" }\n");
    write("explain/tests/basic.yaml", "- name: a case\n  variables: { code: x }\n  assert: [{ contains: x }]\n");
  }

  @Test
  void aFamilyGetsItsLongestMatchingVariantElseTheDefault() throws IOException {
    standardTask();
    Catalog catalog = repository().reload();
    assertThat(catalog.errors()).isEmpty();
    Task task = catalog.tasks().get("explain");
    assertThat(task.variants()).extracting(Variant::name).containsExactly("default", "gpt-4", "gpt-4o");
    assertThat(task.variantFor("gpt-4-0613").name()).isEqualTo("gpt-4");
    assertThat(task.variantFor("gpt-4o-mini").name()).as("the longest prefix wins").isEqualTo("gpt-4o");
    assertThat(task.variantFor("GPT-4").name()).isEqualTo("gpt-4");
    assertThat(task.variantFor("claude-2").name()).isEqualTo("default");
    assertThat(task.variant("gpt-4").label()).matches("explain/gpt-4@[0-9a-f]{7}");
  }

  @Test
  void theVersionIsTheContentsHash() throws IOException {
    standardTask();
    String before = repository().reload().tasks().get("explain").variant("gpt-4").version();
    assertThat(repository().reload().tasks().get("explain").variant("gpt-4").version()).as("same bytes, same version").isEqualTo(before);
    write("explain/gpt-4.yaml", "match: [gpt-4]\nmessages:\n  - { role: user, content: \"edited {{code}}\" }\n");
    assertThat(repository().reload().tasks().get("explain").variant("gpt-4").version()).isNotEqualTo(before);
  }

  @Test
  void brokenFilesAreRefusedNamingTheFileAndField() throws IOException {
    standardTask();
    write("bad-route/task.yaml", "route: nowhere\n");
    write("bad-route/default.yaml", "match: default\nmessages: [{ role: user, content: hi }]\n");
    write("bad-variant/task.yaml", "route: code-reasoning\n");
    write("bad-variant/default.yaml", "match: default\nmessages: [{ role: robot, content: hi }]\n");
    write("bad-template/task.yaml", "route: code-reasoning\n");
    write("bad-template/default.yaml", "match: default\nmessages: [{ role: user, content: \"{{#open}} never closed\" }]\n");
    write("unknown-field/task.yaml", "route: code-reasoning\nvaraibles: {}\n");
    Catalog catalog = repository().reload();
    assertThat(catalog.tasks()).containsOnlyKeys("explain");
    assertThat(catalog.errors()).extracting(LoadError::file)
        .contains("bad-route/task.yaml", "bad-variant/default.yaml", "bad-template/default.yaml", "unknown-field/task.yaml");
    assertThat(catalog.errors()).anySatisfy(e -> assertThat(e.message()).contains("bad-route/task.yaml.route").contains("nowhere"));
    assertThat(catalog.errors()).anySatisfy(e -> assertThat(e.message()).contains("messages[0].role"));
    assertThat(catalog.errors()).anySatisfy(e -> assertThat(e.message()).contains("messages[0].content").contains("Mustache"));
    assertThat(catalog.errors()).anySatisfy(e -> assertThat(e.message()).contains("varaibles"));
  }

  @Test
  void editsArePickedUpAndABrokenEditKeepsTheLastGoodVersion(Vertx vertx) throws IOException {
    standardTask();
    PromptRepository repository = repository();
    PromptWatcher watcher = new PromptWatcher(vertx, repository).start(50);
    try {
      String first = repository.catalog().tasks().get("explain").variant("gpt-4").version();
      write("explain/gpt-4.yaml", "match: [gpt-4]\nmessages:\n  - { role: user, content: \"second {{code}}\" }\n");
      assertEventually(() -> assertThat(repository.catalog().tasks().get("explain").variant("gpt-4").version()).isNotEqualTo(first));
      String second = repository.catalog().tasks().get("explain").variant("gpt-4").version();

      write("explain/gpt-4.yaml", "match: [gpt-4]\nmessages: this is not a list\n");
      assertEventually(() -> assertThat(repository.catalog().errors()).extracting(LoadError::file).contains("explain/gpt-4.yaml"));
      assertThat(repository.catalog().tasks().get("explain").variant("gpt-4").version()).as("the last good version serves")
          .isEqualTo(second);

      write("summarise/task.yaml", "route: code-reasoning\n");
      write("summarise/default.yaml", "match: default\nmessages: [{ role: user, content: hi }]\n");
      assertEventually(() -> assertThat(repository.catalog().tasks()).containsKey("summarise"));
    } finally {
      watcher.stop();
    }
  }
}
