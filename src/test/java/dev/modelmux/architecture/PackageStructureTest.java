package dev.modelmux.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The shape of the code, kept: top-level packages form no cycle, and a request's way down runs one way,
 * api -> gateway -> {routing, budget, resilience, translate} -> provider -> {core, config}; the prompt repository
 * (prompts) serves api and gateway, and the regression suites (eval) read it; the interaction log (interactions) is
 * wired in by the server and read by api (feedback), while gateway only hands it ended requests through core.
 */
class PackageStructureTest {
  private static final JavaClasses MAIN = new ClassFileImporter()
      .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
      .importPackages("dev.modelmux");

  @Test
  void topLevelPackagesFormNoCycle() {
    slices().matching("dev.modelmux.(*)..").should().beFreeOfCycles().check(MAIN);
  }

  @Test
  void eachLayerUsesOnlyTheLayersBelowIt() {
    layeredArchitecture().consideringOnlyDependenciesInAnyPackage("dev.modelmux..")
        .layer("wiring").definedBy("dev.modelmux", "dev.modelmux.server..")
        .layer("api").definedBy("dev.modelmux.api..")
        .layer("gateway").definedBy("dev.modelmux.gateway..")
        .layer("routing").definedBy("dev.modelmux.routing..")
        .layer("budget").definedBy("dev.modelmux.budget..")
        .layer("resilience").definedBy("dev.modelmux.resilience..")
        .layer("translate").definedBy("dev.modelmux.translate..")
        .layer("provider").definedBy("dev.modelmux.provider..")
        .layer("tokens").definedBy("dev.modelmux.tokens..")
        .layer("stream").definedBy("dev.modelmux.stream..")
        .layer("metrics").definedBy("dev.modelmux.metrics..")
        .layer("core").definedBy("dev.modelmux.core..")
        .layer("config").definedBy("dev.modelmux.config..")
        .layer("emulator").definedBy("dev.modelmux.emulator..")
        .layer("bench").definedBy("dev.modelmux.bench..")
        .layer("prompts").definedBy("dev.modelmux.prompts..")
        .layer("eval").definedBy("dev.modelmux.eval..")
        .layer("interactions").definedBy("dev.modelmux.interactions..")
        .whereLayer("wiring").mayNotBeAccessedByAnyLayer()
        .whereLayer("api").mayOnlyBeAccessedByLayers("wiring")
        .whereLayer("gateway").mayOnlyBeAccessedByLayers("wiring", "api")
        .whereLayer("routing").mayOnlyBeAccessedByLayers("wiring", "gateway")
        .whereLayer("budget").mayOnlyBeAccessedByLayers("wiring", "gateway", "routing")
        .whereLayer("resilience").mayOnlyBeAccessedByLayers("wiring", "gateway", "routing")
        .whereLayer("translate").mayOnlyBeAccessedByLayers("wiring", "gateway")
        .whereLayer("provider").mayOnlyBeAccessedByLayers("wiring", "gateway", "routing", "translate")
        .whereLayer("tokens").mayOnlyBeAccessedByLayers("wiring", "gateway", "routing", "resilience", "translate", "emulator")
        .whereLayer("stream").mayOnlyBeAccessedByLayers("gateway", "bench")
        .whereLayer("emulator").mayOnlyBeAccessedByLayers("wiring")
        .whereLayer("bench").mayOnlyBeAccessedByLayers("wiring")
        .whereLayer("prompts").mayOnlyBeAccessedByLayers("wiring", "api", "gateway", "eval")
        .whereLayer("eval").mayOnlyBeAccessedByLayers("wiring")
        .whereLayer("interactions").mayOnlyBeAccessedByLayers("wiring", "api", "eval")
        .check(MAIN);
  }

  @Test
  void coreImportsNothingOfModelmux() {
    noClasses().that().resideInAPackage("dev.modelmux.core..")
        .should().dependOnClassesThat().resideOutsideOfPackages("dev.modelmux.core..", "java..", "io.vertx..", "com.fasterxml..")
        .check(MAIN);
  }

  @Test
  void metricsAndConfigAreImportedAndImportNothingOfModelmux() {
    noClasses().that().resideInAPackage("dev.modelmux.metrics..")
        .should().dependOnClassesThat().resideInAnyPackage("dev.modelmux")
        .orShould().dependOnClassesThat().resideInAnyPackage(modelmuxPackagesExcept("metrics"))
        .check(MAIN);
    noClasses().that().resideInAPackage("dev.modelmux.config..")
        .should().dependOnClassesThat().resideInAnyPackage(modelmuxPackagesExcept("config"))
        .check(MAIN);
  }

  @Test
  void theOperatorsEndpointsNeverReachBackIntoTheWiringThatMountsThem() {
    noClasses().that().resideInAPackage("dev.modelmux.server.admin..")
        .should().dependOnClassesThat().resideInAnyPackage("dev.modelmux", "dev.modelmux.server")
        .check(MAIN);
  }

  @Test
  void providersNeverSeeTheGatewayOrBudgets() {
    noClasses().that().resideInAPackage("dev.modelmux.provider..")
        .should().dependOnClassesThat().resideInAnyPackage("dev.modelmux.gateway..", "dev.modelmux.budget..", "dev.modelmux.routing..",
            "dev.modelmux.translate..", "dev.modelmux.api..")
        .check(MAIN);
  }

  private static String[] modelmuxPackagesExcept(String own) {
    return java.util.stream.Stream.of("api", "gateway", "routing", "budget", "resilience", "translate", "provider", "tokens", "stream",
            "metrics", "core", "config", "emulator", "bench", "server", "prompts", "eval", "interactions")
        .filter(p -> !p.equals(own)).map(p -> "dev.modelmux." + p + "..").toArray(String[]::new);
  }
}
