package dev.modelmux.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.modelmux.config.GatewayConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Consistency checks on k8s/ that would catch real mistakes, for each overlay with the base: every file a
 * kustomization names exists and every patch has a target; the overlay's gateway config loads; the container ports
 * are the config's; the probes ask paths the gateway serves; the grace period outlasts the drain; selectors match
 * the pod labels; every secret the config names is provided; the hardening is in place.
 */
class K8sManifestsTest {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final Path VALIDATOR = Path.of("src/test/k8s-validate");
  private static final Pattern SECRET_ENV = Pattern.compile("(?m)\\b(?:api_key_env|key_env|password_env):\\s*([A-Z0-9_]+)");

  @ParameterizedTest
  @ValueSource(strings = {"dev", "prod"})
  void theOverlayIsConsistentWithTheBaseAndTheGateway(String overlayName) throws IOException {
    Path overlay = Path.of("k8s/overlays", overlayName);
    JsonNode kustomization = read(overlay.resolve("kustomization.yaml")).get(0);
    Map<String, JsonNode> resources = new TreeMap<>();
    load(overlay, kustomization, resources);

    for (JsonNode patch : kustomization.path("patches")) {
      JsonNode target = read(overlay.resolve(patch.get("path").asText())).get(0);
      assertThat(resources).as("the patch " + patch + " has a target").containsKey(key(target));
    }

    JsonNode generator = kustomization.path("configMapGenerator").get(0);
    assertThat(generator.get("name").asText()).isEqualTo("modelmux-config");
    String configFile = generator.get("files").get(0).asText();
    String configText = Files.readString(overlay.resolve(configFile));
    // The image carries prompts/ at /app/prompts (ImageConfigTest); every secret gets a value of its own.
    GatewayConfig config = dev.modelmux.server.ModelMux.configLoader(name -> "value-of-" + name)
        .parse(configText.replace("/app/prompts", Path.of("prompts").toAbsolutePath().toString()));

    JsonNode deployment = resources.get("Deployment/modelmux");
    JsonNode pod = deployment.at("/spec/template/spec");
    JsonNode container = pod.get("containers").get(0);
    Map<String, Integer> ports = new TreeMap<>();
    container.get("ports").forEach(p -> ports.put(p.get("name").asText(), p.get("containerPort").asInt()));
    assertThat(ports).containsEntry("http", config.server().port()).containsEntry("admin", config.server().admin().port());

    List<String> args = new ArrayList<>();
    container.get("args").forEach(a -> args.add(a.asText()));
    String mountPath = null;
    for (JsonNode mount : container.get("volumeMounts")) {
      String volume = mount.get("name").asText();
      for (JsonNode v : pod.get("volumes")) {
        if (v.get("name").asText().equals(volume) && v.has("configMap")) {
          assertThat(v.at("/configMap/name").asText()).isEqualTo("modelmux-config");
          mountPath = mount.get("mountPath").asText();
        }
      }
    }
    assertThat(args.get(args.indexOf("--config") + 1)).as("the config the container reads is the generated one")
        .isEqualTo(mountPath + "/" + configFile);

    for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
      JsonNode get = container.at("/" + probe + "/httpGet");
      assertThat(get.get("path").asText()).as(probe).isIn("/health/live", "/health/ready");
      assertThat(ports).as(probe + " port").containsKey(get.get("port").asText());
    }
    assertThat(container.at("/readinessProbe/httpGet/path").asText()).isEqualTo("/health/ready");

    long preStop = container.at("/lifecycle/preStop/sleep/seconds").asLong(0);
    long drainS = (config.server().drainMs() + 999) / 1000;
    assertThat(pod.get("terminationGracePeriodSeconds").asLong()).as("grace > preStop + drain + a margin")
        .isGreaterThan(preStop + drainS + 5);
    assertThat(config.server().drainDelayMs()).isLessThan(config.server().drainMs());

    Map<String, String> podLabels = labels(deployment.at("/spec/template/metadata/labels"));
    assertThat(podLabels).containsAllEntriesOf(labels(deployment.at("/spec/selector/matchLabels")));
    for (String service : List.of("Service/modelmux", "Service/modelmux-admin")) {
      JsonNode spec = resources.get(service).get("spec");
      assertThat(podLabels).as(service + " selects the pods").containsAllEntriesOf(labels(spec.get("selector")));
      spec.get("ports").forEach(p -> assertThat(ports).as(service + " targetPort").containsKey(p.get("targetPort").asText()));
    }
    JsonNode monitor = resources.get("ServiceMonitor/modelmux");
    assertThat(labels(resources.get("Service/modelmux-admin").at("/metadata/labels")))
        .containsAllEntriesOf(labels(monitor.at("/spec/selector/matchLabels")));
    assertThat(monitor.at("/spec/endpoints/0/port").asText()).isEqualTo("admin");
    assertThat(monitor.at("/spec/endpoints/0/path").asText()).isEqualTo("/metrics");
    assertThat(podLabels).containsAllEntriesOf(labels(resources.get("PodDisruptionBudget/modelmux").at("/spec/selector/matchLabels")));
    assertThat(resources.get("PodDisruptionBudget/modelmux").at("/spec/maxUnavailable").asInt()).isEqualTo(1);
    assertThat(resources.get("HorizontalPodAutoscaler/modelmux").at("/spec/scaleTargetRef/name").asText()).isEqualTo("modelmux");

    assertThat(pod.at("/securityContext/runAsNonRoot").asBoolean()).isTrue();
    assertThat(container.at("/securityContext/readOnlyRootFilesystem").asBoolean()).isTrue();
    assertThat(container.at("/securityContext/allowPrivilegeEscalation").asBoolean()).isFalse();
    assertThat(container.at("/securityContext/capabilities/drop/0").asText()).isEqualTo("ALL");
    assertThat(container.at("/resources/requests/memory").asText()).isEqualTo(container.at("/resources/limits/memory").asText());

    Set<String> needed = new HashSet<>();
    Matcher m = SECRET_ENV.matcher(configText);
    while (m.find()) {
      needed.add(m.group(1));
    }
    assertThat(container.at("/envFrom/0/secretRef/name").asText()).isEqualTo("modelmux-secrets");
    assertThat(provided(overlay, kustomization)).as("every secret the config names is provided").containsAll(needed);
    assertThat(configText).as("no secret value in a ConfigMap").doesNotContainPattern("(?i)(password|api_key|key_sha256)\\s*:");
  }

  /**
   * Each overlay rendered the way its kustomization says (its resources and the base's, patches merged, the
   * namespace set, the generated ConfigMap and Secret), then every object validated against the Kubernetes OpenAPI
   * schema pinned by kubernetes-models (npm, src/test/k8s-validate); a broken object must be refused too.
   */
  @ParameterizedTest
  @ValueSource(strings = {"dev", "prod"})
  void everyRenderedObjectMatchesThePinnedKubernetesSchema(String overlayName, @TempDir Path dir) throws Exception {
    Path overlay = Path.of("k8s/overlays", overlayName);
    List<JsonNode> rendered = render(overlay);
    assertThat(rendered).extracting(d -> d.get("kind").asText()).contains("Deployment", "Service", "ServiceMonitor", "NetworkPolicy",
        "HorizontalPodAutoscaler", "PodDisruptionBudget", "ConfigMap");
    ensureValidator();
    Path file = dir.resolve("rendered.yaml");
    Files.writeString(file, yamlDocuments(rendered));
    Validation valid = validate(file);
    assertThat(valid.exit).as(valid.output).isZero();
    assertThat(valid.output).doesNotContain("invalid:").contains("valid: apps/v1/Deployment modelmux");

    ObjectNode broken = (ObjectNode) rendered.stream().filter(d -> d.get("kind").asText().equals("Deployment")).findFirst().orElseThrow().deepCopy();
    ((ObjectNode) broken.get("spec")).put("replicas", "three");
    Files.writeString(file, yamlDocuments(List.of(broken)));
    Validation refused = validate(file);
    assertThat(refused.exit).as("the validator refuses a broken object").isEqualTo(1);
    assertThat(refused.output).contains("invalid: apps/v1/Deployment modelmux").contains("replicas");
  }

  private record Validation(int exit, String output) {}

  private static Validation validate(Path file) throws Exception {
    Process run = new ProcessBuilder("node", VALIDATOR.resolve("validate.mjs").toString(), file.toString()).redirectErrorStream(true).start();
    String output = new String(run.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertThat(run.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    return new Validation(run.exitValue(), output);
  }

  /** kubernetes-models from the npm registry, pinned by the lock file. */
  private static void ensureValidator() throws Exception {
    if (Files.isDirectory(VALIDATOR.resolve("node_modules/kubernetes-models"))) {
      return;
    }
    Process install = new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund").directory(VALIDATOR.toFile()).redirectErrorStream(true)
        .redirectOutput(new java.io.File("target/npm-ci-k8s.log")).start();
    assertThat(install.waitFor(300, java.util.concurrent.TimeUnit.SECONDS) && install.exitValue() == 0)
        .as("npm ci in " + VALIDATOR + ", see target/npm-ci-k8s.log").isTrue();
  }

  /**
   * What kustomize renders for these overlays, for the features they use: resources (recursively), strategic-merge
   * patches (maps merged, which is all these patches need), the namespace and common labels, and the generators.
   */
  private static List<JsonNode> render(Path overlay) throws IOException {
    JsonNode kustomization = read(overlay.resolve("kustomization.yaml")).get(0);
    List<JsonNode> out = new ArrayList<>();
    collect(overlay, kustomization, out);
    for (JsonNode patch : kustomization.path("patches")) {
      JsonNode change = read(overlay.resolve(patch.get("path").asText())).get(0);
      out.stream().filter(d -> key(d).equals(key(change))).forEach(d -> merge((ObjectNode) d, change));
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

  private static String yamlDocuments(List<JsonNode> docs) throws IOException {
    StringBuilder out = new StringBuilder();
    for (JsonNode d : docs) {
      out.append("---\n").append(YAML.writeValueAsString(d).replaceFirst("^---\n", ""));
    }
    return out.toString();
  }

  private static Set<String> provided(Path overlay, JsonNode kustomization) throws IOException {
    Set<String> keys = new HashSet<>();
    for (JsonNode generator : kustomization.path("secretGenerator")) {
      if (generator.get("name").asText().equals("modelmux-secrets")) {
        generator.path("literals").forEach(l -> keys.add(l.asText().split("=", 2)[0]));
      }
    }
    Path required = overlay.resolve("secrets.required");
    if (Files.exists(required)) {
      Files.readAllLines(required).stream().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).forEach(keys::add);
    }
    return keys;
  }

  /** The resources of a kustomization and, recursively, of the kustomizations it names. */
  private static void load(Path dir, JsonNode kustomization, Map<String, JsonNode> into) throws IOException {
    for (JsonNode resource : kustomization.path("resources")) {
      Path path = dir.resolve(resource.asText()).normalize();
      assertThat(path).as("a resource of " + dir).exists();
      if (Files.isDirectory(path)) {
        load(path, read(path.resolve("kustomization.yaml")).get(0), into);
      } else {
        for (JsonNode doc : read(path)) {
          assertThat(doc.has("apiVersion") && doc.has("kind") && doc.at("/metadata/name").isTextual()).as(path.toString()).isTrue();
          into.put(key(doc), doc);
        }
      }
    }
    for (JsonNode generator : kustomization.path("configMapGenerator")) {
      generator.path("files").forEach(f -> assertThat(dir.resolve(f.asText())).exists());
    }
  }

  private static String key(JsonNode doc) {
    return doc.get("kind").asText() + "/" + doc.at("/metadata/name").asText();
  }

  private static Map<String, String> labels(JsonNode node) {
    Map<String, String> out = new TreeMap<>();
    node.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
    return out;
  }

  private static List<JsonNode> read(Path file) throws IOException {
    List<JsonNode> docs = new ArrayList<>();
    try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(file.toFile())) {
      while (it.hasNext()) {
        JsonNode doc = it.next();
        if (doc != null && !doc.isNull() && !doc.isEmpty()) {
          docs.add(doc);
        }
      }
    }
    return docs;
  }
}
