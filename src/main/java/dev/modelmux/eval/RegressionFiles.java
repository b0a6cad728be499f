package dev.modelmux.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import dev.modelmux.config.ConfigException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The regression case files the review page wrote into {@code <prompts>/<task>/tests/}: what each holds, marking its
 * cases known failing (eval reports them and does not fail on them) or not, and removing it. Blocking file work: call it
 * off the event loop.
 */
public final class RegressionFiles {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory().disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
      .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES));

  private final Path promptsDir;

  public RegressionFiles(Path promptsDir) {
    this.promptsDir = promptsDir.toAbsolutePath().normalize();
  }

  /**
   * A file as logged ({@code <task>/tests/<name>.yaml}, relative to the prompt repository), or null when the name would
   * lead outside a task's tests folder.
   */
  public Path resolve(String relative) {
    Path file = promptsDir.resolve(relative).normalize();
    boolean inTests = file.startsWith(promptsDir) && file.getParent() != null && file.getParent().getFileName().toString().equals("tests");
    return inTests ? file : null;
  }

  /** What the file holds now: {exists, cases: [names], known_failing: the first case's reason or null, error}. */
  public JsonObject describe(String relative) {
    Path file = resolve(relative);
    JsonObject out = new JsonObject().put("file", relative).put("exists", file != null && Files.isRegularFile(file));
    if (!out.getBoolean("exists")) {
      return out.put("cases", new JsonArray());
    }
    try {
      JsonArray names = new JsonArray();
      String knownFailing = null;
      for (EvalCase c : EvalCases.parse(file.getParent().getParent().getFileName().toString(), file)) {
        names.add(c.name());
        knownFailing = knownFailing == null ? c.knownFailing() : knownFailing;
      }
      return out.put("cases", names).put("known_failing", knownFailing);
    } catch (ConfigException e) {
      return out.put("cases", new JsonArray()).put("error", "eval cannot read it: " + e.getMessage());
    }
  }

  /**
   * Marks every case in the file known failing with {@code reason}, or unmarks them when it is null; the result is read
   * back as eval reads it before it replaces the file.
   *
   * @return false when the file is not there
   */
  public boolean markKnownFailing(String relative, String reason) throws IOException {
    Path file = resolve(relative);
    if (file == null || !Files.isRegularFile(file)) {
      return false;
    }
    JsonNode tree = YAML.readTree(file.toFile());
    if (tree == null || !tree.isArray()) {
      throw new IOException(relative + " is not a list of cases");
    }
    for (JsonNode c : tree) {
      if (c instanceof ObjectNode entry) {
        if (reason == null) {
          entry.remove("known_failing");
        } else {
          entry.put("known_failing", reason);
        }
      }
    }
    String yaml = YAML.writeValueAsString(tree);
    EvalCases.parse(file.getParent().getParent().getFileName().toString(), yaml, relative);
    Path next = file.resolveSibling(file.getFileName() + ".next");
    Files.writeString(next, yaml, StandardCharsets.UTF_8);
    Files.move(next, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    return true;
  }

  /** Deletes the file; false when it was not there (deleted by hand, say). */
  public boolean remove(String relative) throws IOException {
    Path file = resolve(relative);
    return file != null && Files.deleteIfExists(file);
  }
}
