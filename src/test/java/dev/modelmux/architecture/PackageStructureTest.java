package dev.modelmux.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The shape of the code, kept: top-level packages form no cycle, and a request's way down runs one way,
 * api -> gateway (the request from start to log) -> dispatch (the candidate walk) -> upstream (one attempt) ->
 * exchange (the request's ledger and the client's response) -> {routing, budget, breaker, fit, translate} -> provider
 * -> {spi, core, config}; core holds values only, the ports features plug into are in spi. The prompt repository
 * (prompts) serves api and gateway, and the regression suites (eval) read it; the interaction log (interactions) is
 * wired in by the server and read by api (feedback), while the gateway only hands it ended requests through spi.
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
        .layer("dispatch").definedBy("dev.modelmux.dispatch..")
        .layer("upstream").definedBy("dev.modelmux.upstream..")
        .layer("exchange").definedBy("dev.modelmux.exchange..")
        .layer("routing").definedBy("dev.modelmux.routing..")
        .layer("budget").definedBy("dev.modelmux.budget..")
        .layer("breaker").definedBy("dev.modelmux.breaker..")
        .layer("fit").definedBy("dev.modelmux.fit..")
        .layer("translate").definedBy("dev.modelmux.translate..")
        .layer("errors").definedBy("dev.modelmux.errors..")
        .layer("provider").definedBy("dev.modelmux.provider..")
        .layer("tokens").definedBy("dev.modelmux.tokens..")
        .layer("stream").definedBy("dev.modelmux.stream..")
        .layer("spi").definedBy("dev.modelmux.spi..")
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
        .whereLayer("dispatch").mayOnlyBeAccessedByLayers("wiring", "gateway")
        .whereLayer("upstream").mayOnlyBeAccessedByLayers("wiring", "gateway", "dispatch")
        .whereLayer("exchange").mayOnlyBeAccessedByLayers("wiring", "gateway", "dispatch", "upstream")
        .whereLayer("routing").mayOnlyBeAccessedByLayers("wiring", "gateway", "dispatch", "upstream", "exchange")
        .whereLayer("budget").mayOnlyBeAccessedByLayers("wiring", "gateway", "dispatch", "routing")
        .whereLayer("breaker").mayOnlyBeAccessedByLayers("wiring", "dispatch", "upstream")
        .whereLayer("fit").mayOnlyBeAccessedByLayers("routing", "exchange")
        .whereLayer("translate").mayOnlyBeAccessedByLayers("wiring", "dispatch")
        .whereLayer("errors").mayOnlyBeAccessedByLayers("wiring", "api", "gateway", "exchange")
        .whereLayer("provider").mayOnlyBeAccessedByLayers("wiring", "dispatch", "upstream", "routing", "translate")
        .whereLayer("tokens").mayOnlyBeAccessedByLayers("wiring", "gateway", "routing", "fit", "translate", "emulator")
        .whereLayer("stream").mayOnlyBeAccessedByLayers("upstream", "bench")
        .whereLayer("spi").mayOnlyBeAccessedByLayers("wiring", "api", "gateway", "dispatch", "upstream", "exchange", "routing",
            "translate", "prompts", "interactions")
        .whereLayer("emulator").mayOnlyBeAccessedByLayers("wiring")
        .whereLayer("bench").mayOnlyBeAccessedByLayers("wiring")
        .whereLayer("prompts").mayOnlyBeAccessedByLayers("wiring", "api", "gateway", "eval")
        .whereLayer("eval").mayOnlyBeAccessedByLayers("wiring")
        .whereLayer("interactions").mayOnlyBeAccessedByLayers("wiring", "api", "eval")
        .check(MAIN);
  }

  @Test
  void coreHoldsValuesOnlyThePortsFeaturesPlugIntoAreInSpi() {
    noClasses().that().resideInAPackage("dev.modelmux.core..").should().beInterfaces().check(MAIN);
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
        .should().dependOnClassesThat().resideInAnyPackage("dev.modelmux.gateway..", "dev.modelmux.dispatch..", "dev.modelmux.upstream..",
            "dev.modelmux.exchange..", "dev.modelmux.budget..", "dev.modelmux.routing..", "dev.modelmux.translate..", "dev.modelmux.api..")
        .check(MAIN);
  }

  private static String[] modelmuxPackagesExcept(String own) {
    return Stream.of("api", "gateway", "dispatch", "upstream", "exchange", "routing", "budget", "breaker", "fit", "translate",
            "errors", "provider", "tokens", "stream", "spi", "metrics", "core", "config", "emulator", "bench", "server", "prompts", "eval",
            "interactions")
        .filter(p -> !p.equals(own)).map(p -> "dev.modelmux." + p + "..").toArray(String[]::new);
  }
}
