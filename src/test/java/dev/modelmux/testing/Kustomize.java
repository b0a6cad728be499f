package dev.modelmux.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * An overlay of k8s/ rendered as {@code kubectl apply -k} would send it: by kustomize itself ({@code kubectl
 * kustomize}, which has it built in) when kubectl is on the PATH, else by {@link #renderOwn}, a render of the
 * features these overlays use, kept honest by a test that compares the two wherever kubectl is there.
 */
public final class Kustomize {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private Kustomize() {}

  public static boolean kubectlAvailable() {
    String path = System.getenv("PATH");
    if (path == null) {
      return false;
    }
    for (String dir : path.split(File.pathSeparator)) {
      if (Files.isExecutable(Path.of(dir, "kubectl"))) {
        return true;
      }
    }
    return false;
  }

  public static List<JsonNode> render(Path overlay) throws IOException, InterruptedException {
    return kubectlAvailable() ? renderWithKubectl(overlay) : renderOwn(overlay);
  }

  public static List<JsonNode> renderWithKubectl(Path overlay) throws IOException, InterruptedException {
    Path out = Files.createTempFile("kustomize", ".yaml");
    Path err = Files.createTempFile("kustomize", ".err");
    try {
      Process run = new ProcessBuilder("kubectl", "kustomize", overlay.toString())
          .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
      if (!run.waitFor(60, TimeUnit.SECONDS)) {
        run.destroyForcibly();
        throw new IOException("kubectl kustomize " + overlay + " did not finish within 60 s");
      }
      if (run.exitValue() != 0) {
        throw new IOException("kubectl kustomize " + overlay + " failed: " + Files.readString(err));
      }
      return documents(Files.readString(out));
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }

  /**
   * What kustomize renders for these overlays, for the features they use: resources (recursively), strategic-merge
   * patches (maps merged, which is all these patches need), the namespace and labels, and the generators (without
   * kustomize's name-hash suffixes).
   */
  public static List<JsonNode> renderOwn(Path overlay) throws IOException {
    JsonNode kustomization = read(overlay.resolve("kustomization.yaml")).get(0);
    List<JsonNode> out = new ArrayList<>();
    collect(overlay, kustomization, out);
    for (JsonNode patch : kustomization.path("patches")) {
      JsonNode change = read(overlay.resolve(patch.get("path").asText())).get(0);
      List<JsonNode> targets = out.stream().filter(d -> key(d).equals(key(change))).toList();
      if (targets.isEmpty()) {
        throw new IOException("the patch " + patch.get("path").asText() + " of " + overlay + " has no target " + key(change));
      }
      targets.forEach(d -> merge((ObjectNode) d, change));
    }
    for (JsonNode generator : kustomization.path("configMapGenerator")) {
      ObjectNode map = YAML.createObjectNode().put("apiVersion", "v1").put("kind", "ConfigMap");
      map.putObject("metadata").put("name", generator.get("name").asText());
      ObjectNode data = map.putObject("data");
      for (JsonNode f : generator.get("files")) {
        data.put(f.asText(), Files.readString(overlay.resolve(f.asText())));
      }
      out.add(map);
    }
    for (JsonNode generator : kustomization.path("secretGenerator")) {
      ObjectNode secret = YAML.createObjectNode().put("apiVersion", "v1").put("kind", "Secret").put("type", "Opaque");
      secret.putObject("metadata").put("name", generator.get("name").asText());
      ObjectNode data = secret.putObject("stringData");
      generator.path("literals").forEach(l -> data.put(l.asText().split("=", 2)[0], l.asText().split("=", 2)[1]));
      out.add(secret);
    }
    String namespace = kustomization.path("namespace").asText(null);
    for (JsonNode d : out) {
      if (namespace != null && !d.get("kind").asText().equals("Namespace")) {
        ((ObjectNode) d.get("metadata")).put("namespace", namespace);
      }
    }
    return out;
  }

  public static String key(JsonNode doc) {
    return doc.get("kind").asText() + "/" + doc.at("/metadata/name").asText();
  }

  public static List<JsonNode> read(Path file) throws IOException {
    return documents(Files.readString(file));
  }

  public static String yamlDocuments(List<JsonNode> docs) throws IOException {
    StringBuilder out = new StringBuilder();
    for (JsonNode d : docs) {
      out.append("---\n").append(YAML.writeValueAsString(d).replaceFirst("^---\n", ""));
    }
    return out.toString();
  }

  private static List<JsonNode> documents(String yaml) throws IOException {
    List<JsonNode> docs = new ArrayList<>();
    try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(yaml)) {
      while (it.hasNext()) {
        JsonNode doc = it.next();
        if (doc != null && !doc.isNull() && !doc.isEmpty()) {
          docs.add(doc);
        }
      }
    }
    return docs;
  }

  private static void collect(Path dir, JsonNode kustomization, List<JsonNode> out) throws IOException {
    for (JsonNode resource : kustomization.path("resources")) {
      Path path = dir.resolve(resource.asText()).normalize();
      if (Files.isDirectory(path)) {
        JsonNode inner = read(path.resolve("kustomization.yaml")).get(0);
        int from = out.size();
        collect(path, inner, out);
        for (JsonNode pairs : inner.path("labels")) {
          for (JsonNode d : out.subList(from, out.size())) {
            ObjectNode labels = ((ObjectNode) d.get("metadata")).with("labels");
            pairs.get("pairs").fields().forEachRemaining(e -> labels.set(e.getKey(), e.getValue()));
          }
        }
      } else {
        out.addAll(read(path));
      }
    }
  }

  private static void merge(ObjectNode into, JsonNode change) {
    change.fields().forEachRemaining(e -> {
      JsonNode current = into.get(e.getKey());
      if (current instanceof ObjectNode object && e.getValue().isObject()) {
        merge(object, e.getValue());
      } else {
        into.set(e.getKey(), e.getValue());
      }
    });
  }
}
