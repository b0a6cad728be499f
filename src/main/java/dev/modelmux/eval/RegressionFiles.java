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
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.regex.Pattern;

/**
 * The regression case files the review page wrote into {@code <prompts>/<task>/tests/}: what each holds, marking its
 * cases known failing (eval reports them and does not fail on them) or not, and removing it. Blocking file work: call it
 * off the event loop.
 */
public final class RegressionFiles {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory().disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
      .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES));

  private static final Pattern REVIEW_CASE = Pattern.compile("review-[^/\\\\]+\\.yaml");

  private final Path promptsDir;
  private final ConcurrentMap<Path, Object> locks = new ConcurrentHashMap<>();

  public RegressionFiles(Path promptsDir) {
    this.promptsDir = promptsDir.toAbsolutePath().normalize();
  }

  /**
   * A file as logged ({@code <task>/tests/review-*.yaml}, relative to the prompt repository, as the review page names
   * them), or null for any other path: another folder or depth, a hand-written suite, or one that leads (by {@code ..} or
   * a symbolic link) outside the repository. A file that is gone still resolves, so its row can be cleared.
   */
  public Path resolve(String relative) {
    Path given;
    try {
      given = Path.of(relative);
    } catch (InvalidPathException e) {
      return null;
    }
    if (given.isAbsolute() || given.getNameCount() != 3 || !given.getName(1).toString().equals("tests")
        || !REVIEW_CASE.matcher(given.getFileName().toString()).matches() || given.getName(0).toString().startsWith(".")) {
      return null;
    }
    Path file = promptsDir.resolve(given).normalize();
    try {
      Path real = Files.exists(file) ? file.toRealPath() : Files.exists(file.getParent()) ? file.getParent().toRealPath() : null;
      return real == null || real.startsWith(promptsDir.toRealPath()) ? file : null;
    } catch (IOException e) {
      return null;
    }
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
    if (file == null) {
      return false;
    }
    synchronized (lockOf(file)) {
      if (!Files.isRegularFile(file)) {
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
      // Not *.yaml, so eval never reads a half-written one; in the same folder, so the move is atomic.
      Path next = Files.createTempFile(file.getParent(), "." + file.getFileName(), ".next");
      try {
        Files.writeString(next, yaml, StandardCharsets.UTF_8);
        Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } finally {
        Files.deleteIfExists(next);
      }
      return true;
    }
  }

  /** Deletes the file; false when it was not there (deleted by hand, say) or is not a case file the page made. */
  public boolean remove(String relative) throws IOException {
    Path file = resolve(relative);
    if (file == null) {
      return false;
    }
    synchronized (lockOf(file)) {
      return Files.deleteIfExists(file);
    }
  }

  /** Changes to one file run one at a time (requests run in parallel), so none reads a file another is replacing. */
  private Object lockOf(Path file) {
    return locks.computeIfAbsent(file, f -> new Object());
  }
}
