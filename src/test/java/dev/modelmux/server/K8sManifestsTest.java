package dev.modelmux.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.modelmux.config.GatewayConfig;
import dev.modelmux.testing.Kustomize;
import dev.modelmux.testing.StrictKubernetes;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * k8s/ as {@code kubectl apply -k} would send it (rendered by kustomize, {@link Kustomize}), for each overlay:
 * consistency checks that would catch real mistakes (every file a kustomization names exists; the generated config
 * loads; the container ports are the config's; the probes ask paths the gateway serves; the grace period outlasts the
 * drain; selectors match the pod labels; the pods mount the generated ConfigMap and a config change renames it; every
 * secret the config names is provided; the hardening), then every object against the pinned Kubernetes schema and
 * parsed strictly ({@link StrictKubernetes}).
 */
class K8sManifestsTest {
  private static final Path VALIDATOR = Path.of("src/test/k8s-validate");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern HASH_SUFFIX = Pattern.compile("(?<=modelmux-(?:config|secrets))-[a-z0-9]{10}\\b");
  private static final Pattern SECRET_ENV = Pattern.compile("(?m)\\b(?:api_key_env|key_env|password_env):\\s*([A-Z0-9_]+)");

  @ParameterizedTest
  @ValueSource(strings = {"dev", "prod"})
  void theOverlayIsConsistentWithTheBaseAndTheGateway(String overlayName) throws Exception {
    Path overlay = Path.of("k8s/overlays", overlayName);
    JsonNode kustomization = Kustomize.read(overlay.resolve("kustomization.yaml")).get(0);
    assertFilesExist(overlay, kustomization);
    List<JsonNode> rendered = Kustomize.render(overlay);

    JsonNode generator = kustomization.path("configMapGenerator").get(0);
    assertThat(generator.get("name").asText()).isEqualTo("modelmux-config");
    String configFile = generator.get("files").get(0).asText();
    JsonNode configMap = generated(rendered, "ConfigMap", "modelmux-config");
    String configText = configMap.at("/data").get(configFile).asText();
    // The image carries prompts/ at /app/prompts (ImageConfigTest); every secret gets a value of its own.
    GatewayConfig config = ModelMux.configLoader(name -> "value-of-" + name)
        .parse(configText.replace("/app/prompts", Path.of("prompts").toAbsolutePath().toString()));

    JsonNode deployment = object(rendered, "Deployment", "modelmux");
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
          assertThat(v.at("/configMap/name").asText()).as("the pods mount the generated ConfigMap")
              .isEqualTo(configMap.at("/metadata/name").asText());
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
    for (String service : List.of("modelmux", "modelmux-admin")) {
      JsonNode spec = object(rendered, "Service", service).get("spec");
      assertThat(podLabels).as(service + " selects the pods").containsAllEntriesOf(labels(spec.get("selector")));
      spec.get("ports").forEach(p -> assertThat(ports).as(service + " targetPort").containsKey(p.get("targetPort").asText()));
    }
    JsonNode monitor = object(rendered, "ServiceMonitor", "modelmux");
    assertThat(labels(object(rendered, "Service", "modelmux-admin").at("/metadata/labels")))
        .containsAllEntriesOf(labels(monitor.at("/spec/selector/matchLabels")));
    assertThat(monitor.at("/spec/endpoints/0/port").asText()).isEqualTo("admin");
    assertThat(monitor.at("/spec/endpoints/0/path").asText()).isEqualTo("/metrics");
    // The operator's endpoints: bound to the pod's address, scraped with an operator key, reached by Prometheus's pods only.
    assertThat(configText).contains("admin_host_env: POD_IP").doesNotContain("admin_host: 0.0.0.0");
    JsonNode podIp = null;
    for (JsonNode e : container.path("env")) {
      podIp = e.get("name").asText().equals("POD_IP") ? e : podIp;
    }
    assertThat(podIp).as("POD_IP from the downward API").isNotNull();
    assertThat(podIp.at("/valueFrom/fieldRef/fieldPath").asText()).isEqualTo("status.podIP");
    JsonNode scrapeKey = monitor.at("/spec/endpoints/0/authorization/credentials");
    assertThat(monitor.at("/spec/endpoints/0/authorization/type").asText()).isEqualTo("Bearer");
    assertThat(provided(overlay, rendered, scrapeKey.get("name").asText())).contains(scrapeKey.get("key").asText());
    assertThat(config.auth().orElseThrow().keys()).anySatisfy(k -> assertThat(k.admin()).isTrue());
    for (JsonNode rule : object(rendered, "NetworkPolicy", "modelmux").at("/spec/ingress")) {
      if (rule.toString().contains("\"admin\"")) {
        rule.get("from").forEach(peer -> assertThat(peer.at("/podSelector/matchLabels/app.kubernetes.io~1name").asText())
            .as("only the Prometheus pods, not a whole namespace").isEqualTo("prometheus"));
      }
    }
    JsonNode budget = object(rendered, "PodDisruptionBudget", "modelmux");
    assertThat(podLabels).containsAllEntriesOf(labels(budget.at("/spec/selector/matchLabels")));
    assertThat(budget.at("/spec/maxUnavailable").asInt()).isEqualTo(1);
    assertThat(object(rendered, "HorizontalPodAutoscaler", "modelmux").at("/spec/scaleTargetRef/name").asText()).isEqualTo("modelmux");

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
    String secretName = container.at("/envFrom/0/secretRef/name").asText();
    assertThat(secretName).startsWith("modelmux-secrets");
    assertThat(provided(overlay, rendered, secretName)).as("every secret the config names is provided").containsAll(needed);
    assertThat(configText).as("no secret value in a ConfigMap").doesNotContainPattern("(?i)(password|api_key|key_sha256)\\s*:");
  }

  /**
   * Each overlay rendered by kustomize, then every object validated against the Kubernetes OpenAPI schema pinned by
   * kubernetes-models (npm, src/test/k8s-validate) and parsed strictly with fabric8's model (no field its type lacks);
   * a broken object must be refused by each.
   */
  @ParameterizedTest
  @ValueSource(strings = {"dev", "prod"})
  void everyRenderedObjectMatchesThePinnedKubernetesSchema(String overlayName, @TempDir Path dir) throws Exception {
    Path overlay = Path.of("k8s/overlays", overlayName);
    List<JsonNode> rendered = Kustomize.render(overlay);
    assertThat(rendered).extracting(d -> d.get("kind").asText()).contains("Deployment", "Service", "ServiceMonitor", "NetworkPolicy",
        "HorizontalPodAutoscaler", "PodDisruptionBudget", "ConfigMap");
    ensureValidator();
    Path file = dir.resolve("rendered.yaml");
    Files.writeString(file, Kustomize.yamlDocuments(rendered));
    Validation valid = validate(file);
    assertThat(valid.exit).as(valid.output).isZero();
    assertThat(valid.output).doesNotContain("invalid:").contains("valid: apps/v1/Deployment modelmux");
    for (JsonNode object : rendered) {
      assertThat(StrictKubernetes.problem(object)).as("strict parse of " + Kustomize.key(object)).isEmpty();
    }

    JsonNode deployment = object(rendered, "Deployment", "modelmux");
    ObjectNode broken = deployment.deepCopy();
    ((ObjectNode) broken.get("spec")).put("replicas", "three");
    Files.writeString(file, Kustomize.yamlDocuments(List.of(broken)));
    Validation refused = validate(file);
    assertThat(refused.exit).as("the validator refuses a broken object").isEqualTo(1);
    assertThat(refused.output).contains("invalid: apps/v1/Deployment modelmux").contains("replicas");
    assertThat(StrictKubernetes.problem(broken)).as("the strict parse refuses a wrong type too").isPresent();

    ObjectNode misspelt = deployment.deepCopy();
    ObjectNode container = (ObjectNode) misspelt.at("/spec/template/spec/containers/0");
    container.set("readinesProbe", container.remove("readinessProbe"));
    assertThat(StrictKubernetes.problem(misspelt)).as("a misspelt field is refused, naming where it is").hasValueSatisfying(p ->
        assertThat(p).contains("readinesProbe").contains("spec.template.spec.containers[0]"));
  }

  /** kustomize names the generated ConfigMap by its content's hash, so a config change is a new pod template: a rollout. */
  @Test
  void aConfigChangeRenamesTheConfigMapSoThePodsRoll(@TempDir Path dir) throws Exception {
    assumeTrue(Kustomize.kubectlAvailable(), "kubectl (with kustomize built in) is not on the PATH");
    copyTree(Path.of("k8s"), dir.resolve("k8s"));
    Path overlay = dir.resolve("k8s/overlays/dev");
    String before = mountedConfigMap(Kustomize.renderWithKubectl(overlay));
    Path config = overlay.resolve("gateway.yaml");
    Files.writeString(config, Files.readString(config).replace("drain_ms: 30000", "drain_ms: 29000"));
    List<JsonNode> after = Kustomize.renderWithKubectl(overlay);
    assertThat(before).startsWith("modelmux-config-");
    assertThat(mountedConfigMap(after)).isNotEqualTo(before).isEqualTo(generated(after, "ConfigMap", "modelmux-config").at("/metadata/name").asText());
  }

  /** Where kubectl is missing the tests render with {@link Kustomize#renderOwn}; it must say what kustomize says. */
  @ParameterizedTest
  @ValueSource(strings = {"dev", "prod"})
  void theFallbackRenderAgreesWithKustomize(String overlayName) throws Exception {
    assumeTrue(Kustomize.kubectlAvailable(), "kubectl (with kustomize built in) is not on the PATH");
    Path overlay = Path.of("k8s/overlays", overlayName);
    Map<String, JsonNode> kustomize = byKey(Kustomize.renderWithKubectl(overlay));
    Map<String, JsonNode> own = byKey(Kustomize.renderOwn(overlay));
    assertThat(own.keySet()).isEqualTo(kustomize.keySet());
    own.forEach((key, object) -> assertThat(object).as(key).isEqualTo(kustomize.get(key)));
  }

  private record Validation(int exit, String output) {}

  private static Validation validate(Path file) throws Exception {
    Process run = new ProcessBuilder("node", VALIDATOR.resolve("validate.mjs").toString(), file.toString()).redirectErrorStream(true).start();
    String output = new String(run.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(run.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new Validation(run.exitValue(), output);
  }

  /** kubernetes-models from the npm registry, pinned by the lock file. */
  private static void ensureValidator() throws Exception {
    if (Files.isDirectory(VALIDATOR.resolve("node_modules/kubernetes-models"))) {
      return;
    }
    Process install = new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund").directory(VALIDATOR.toFile()).redirectErrorStream(true)
        .redirectOutput(new File("target/npm-ci-k8s.log")).start();
    assertThat(install.waitFor(300, TimeUnit.SECONDS) && install.exitValue() == 0)
        .as("npm ci in " + VALIDATOR + ", see target/npm-ci-k8s.log").isTrue();
  }

  private static Map<String, String> labels(JsonNode node) {
    Map<String, String> out = new TreeMap<>();
    node.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
    return out;
  }


  /** Every file a kustomization names exists (kustomize would refuse to render; this says which). */
  private static void assertFilesExist(Path dir, JsonNode kustomization) throws IOException {
    for (JsonNode resource : kustomization.path("resources")) {
      Path path = dir.resolve(resource.asText()).normalize();
      assertThat(path).as("a resource of " + dir).exists();
      if (Files.isDirectory(path)) {
        assertFilesExist(path, Kustomize.read(path.resolve("kustomization.yaml")).get(0));
      }
    }
    for (JsonNode patch : kustomization.path("patches")) {
      assertThat(dir.resolve(patch.get("path").asText())).as("a patch of " + dir).exists();
    }
    for (JsonNode generator : kustomization.path("configMapGenerator")) {
      generator.path("files").forEach(f -> assertThat(dir.resolve(f.asText())).exists());
    }
  }

  private static JsonNode object(List<JsonNode> rendered, String kind, String name) {
    return rendered.stream().filter(d -> Kustomize.key(d).equals(kind + "/" + name)).findFirst()
        .orElseThrow(() -> new AssertionError("no " + kind + "/" + name + " rendered"));
  }

  /** A generated object: kustomize appends a hash of its content to the name. */
  private static JsonNode generated(List<JsonNode> rendered, String kind, String name) {
    List<JsonNode> found = rendered.stream().filter(d -> d.get("kind").asText().equals(kind))
        .filter(d -> generatedName(d.at("/metadata/name").asText()).equals(name)).toList();
    assertThat(found).as("one generated " + kind + " " + name).hasSize(1);
    return found.get(0);
  }

  private static String generatedName(String name) {
    return HASH_SUFFIX.matcher(name).replaceAll("");
  }

  private static String mountedConfigMap(List<JsonNode> rendered) {
    for (JsonNode v : object(rendered, "Deployment", "modelmux").at("/spec/template/spec/volumes")) {
      if (v.has("configMap")) {
        return v.at("/configMap/name").asText();
      }
    }
    throw new AssertionError("the Deployment mounts no ConfigMap");
  }

  /** The keys of the Secret the pods read: generated in the overlay, or listed in secrets.required when made outside git. */
  private static Set<String> provided(Path overlay, List<JsonNode> rendered, String secretName) throws IOException {
    Set<String> keys = new HashSet<>();
    rendered.stream().filter(d -> Kustomize.key(d).equals("Secret/" + secretName)).forEach(secret -> {
      secret.path("data").fieldNames().forEachRemaining(keys::add);
      secret.path("stringData").fieldNames().forEachRemaining(keys::add);
    });
    Path required = overlay.resolve("secrets.required");
    if (Files.exists(required)) {
      Files.readAllLines(required).stream().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).forEach(keys::add);
    }
    return keys;
  }

  /** Objects by kind and name, with kustomize's hash suffixes taken off and a Secret's data as plain strings. */
  private static Map<String, JsonNode> byKey(List<JsonNode> rendered) throws IOException {
    Map<String, JsonNode> out = new TreeMap<>();
    for (JsonNode d : rendered) {
      ObjectNode copy = (ObjectNode) JSON.readTree(HASH_SUFFIX.matcher(JSON.writeValueAsString(d)).replaceAll(""));
      if (copy.get("kind").asText().equals("Secret") && copy.has("data")) {
        ObjectNode plain = copy.putObject("stringData");
        d.get("data").fields().forEachRemaining(e ->
            plain.put(e.getKey(), new String(Base64.getDecoder().decode(e.getValue().asText()), StandardCharsets.UTF_8)));
        copy.remove("data");
      }
      out.put(Kustomize.key(copy), copy);
    }
    return out;
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (var paths = Files.walk(from)) {
      for (Path p : (Iterable<Path>) paths::iterator) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
  }
}
