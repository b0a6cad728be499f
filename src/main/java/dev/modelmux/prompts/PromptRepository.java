package dev.modelmux.prompts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.modelmux.config.ConfigException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The prompt repository on disk: {@code <dir>/<task>/task.yaml} and one YAML file per variant beside it
 * ({@code tests/} holds the task's regression cases). {@link #reload} reads it again; a file that fails to parse is
 * refused with one log line naming the file and field, and its last good version keeps serving. Thread-safe: readers
 * get an immutable {@link Catalog}.
 */
public final class PromptRepository {
  private static final Logger LOG = LoggerFactory.getLogger(PromptRepository.class);
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final int VERSION_HEX_CHARS = 7;

  private final Path dir;
  private final Predicate<String> routeExists;
  private final Map<Path, TaskFile.Header> goodHeaders = new HashMap<>();
  private final Map<Path, Variant> goodVariants = new HashMap<>();
  private final Map<Path, String> reportedErrors = new HashMap<>();
  private volatile Catalog catalog = Catalog.EMPTY;

  /** @param routeExists whether the gateway's config has a route (or model) of that name, for each task's route */
  public PromptRepository(Path dir, Predicate<String> routeExists) {
    this.dir = dir;
    this.routeExists = routeExists;
  }

  public Path dir() {
    return dir;
  }

  public Catalog catalog() {
    return catalog;
  }

  public Optional<Task> task(String name) {
    return Optional.ofNullable(catalog.tasks().get(name));
  }

  /** Reads every task folder again (blocking: call it off the event loop) and publishes the result. */
  public synchronized Catalog reload() {
    Map<String, Task> tasks = new LinkedHashMap<>();
    List<LoadError> errors = new ArrayList<>();
    for (Path taskDir : taskFolders()) {
      String name = taskDir.getFileName().toString();
      TaskFile.Header header = header(taskDir.resolve("task.yaml"), errors);
      if (header == null) {
        continue;
      }
      List<Variant> variants = new ArrayList<>();
      for (Path file : variantFiles(taskDir)) {
        Variant v = variant(name, file, errors);
        if (v != null) {
          variants.add(v);
        }
      }
      if (variants.isEmpty()) {
        errors.add(new LoadError(relative(taskDir), "the task has no variant"));
        continue;
      }
      tasks.put(name, new Task(name, header.route(), header.description(), header.variables(), header.guard(), List.copyOf(variants)));
    }
    reportedErrors.keySet().removeIf(path -> errors.stream().noneMatch(e -> e.file().equals(relative(path))));
    catalog = new Catalog(Map.copyOf(tasks), List.copyOf(errors));
    return catalog;
  }

  private TaskFile.Header header(Path file, List<LoadError> errors) {
    try {
      TaskFile.Header header = TaskFile.parse(read(file), relative(file), routeExists);
      goodHeaders.put(file, header);
      reportedErrors.remove(file);
      return header;
    } catch (ConfigException | IOException e) {
      refuse(file, e.getMessage(), errors);
      return goodHeaders.get(file);
    }
  }

  private Variant variant(String task, Path file, List<LoadError> errors) {
    try {
      byte[] bytes = Files.readAllBytes(file);
      String name = file.getFileName().toString().replaceFirst("\\.ya?ml$", "");
      Variant v = VariantFile.parse(task, name, YAML.readTree(bytes), version(bytes), relative(file));
      goodVariants.put(file, v);
      reportedErrors.remove(file);
      return v;
    } catch (IOException | RuntimeException e) {
      refuse(file, e.getMessage(), errors);
      return goodVariants.get(file);
    }
  }

  /** Logged once per distinct problem, not at every reload. */
  private void refuse(Path file, String message, List<LoadError> errors) {
    String shown = message == null ? "unreadable" : message.lines().findFirst().orElse(message);
    errors.add(new LoadError(relative(file), shown));
    if (!shown.equals(reportedErrors.put(file, shown))) {
      LOG.error("prompt file {} refused ({}): {}", relative(file),
          goodVariants.containsKey(file) || goodHeaders.containsKey(file) ? "its last good version keeps serving" : "not served", shown);
    }
  }

  private JsonNode read(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new IOException("missing task.yaml");
    }
    return YAML.readTree(Files.readString(file, StandardCharsets.UTF_8));
  }

  private List<Path> taskFolders() {
    try (Stream<Path> entries = Files.list(dir)) {
      return entries.filter(Files::isDirectory).filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList();
    } catch (IOException e) {
      LOG.error("prompt repository {} cannot be read: {}", dir, e.getMessage());
      return List.of();
    }
  }

  private static List<Path> variantFiles(Path taskDir) {
    try (Stream<Path> entries = Files.list(taskDir)) {
      return entries.filter(Files::isRegularFile)
          .filter(p -> p.getFileName().toString().matches("[^.].*\\.ya?ml") && !p.getFileName().toString().matches("task\\.ya?ml"))
          .sorted().toList();
    } catch (IOException e) {
      return List.of();
    }
  }

  private String relative(Path file) {
    return dir.relativize(file).toString();
  }

  /** The first hex digits of the file's SHA-256: any edit is a new version, the same bytes the same one everywhere. */
  static String version(byte[] content) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content)).substring(0, VERSION_HEX_CHARS);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
