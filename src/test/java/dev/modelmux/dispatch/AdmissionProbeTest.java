package dev.modelmux.dispatch;

import static dev.modelmux.testing.Await.await;
import static dev.modelmux.testing.Eventually.assertEventually;
import static org.assertj.core.api.Assertions.assertThat;

import dev.modelmux.breaker.Breakers;
import dev.modelmux.breaker.Breakers.State;
import dev.modelmux.budget.LocalBudgetStore;
import dev.modelmux.config.DeploymentConfig;
import dev.modelmux.config.Limits;
import dev.modelmux.config.Price;
import dev.modelmux.config.ProviderKind;
import dev.modelmux.config.ResilienceConfig;
import dev.modelmux.config.Secret;
import dev.modelmux.core.ErrorKind;
import dev.modelmux.core.GatewayError;
import dev.modelmux.core.GatewayException;
import dev.modelmux.metrics.GatewayMetrics;
import dev.modelmux.provider.Providers;
import dev.modelmux.routing.CandidatePlanner.Candidate;
import dev.modelmux.routing.Deployment;
import dev.modelmux.spi.Translator;
import io.vertx.core.Future;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A half-open deployment's probe through Admission: this process's own probe is taken before the replicas are asked
 * (none asked while it is out), and a claimed probe that is not sent after all (held back, no budget, not wanted,
 * untranslatable) or that ends saying nothing gives its replicas' claim back at once.
 */
class AdmissionProbeTest {
  private static final ResilienceConfig ONE_FAILURE = new ResilienceConfig(1, 100, 400, 0, 60_000, 60_000);

  private final List<String> told = new CopyOnWriteArrayList<>();
  private final Breakers.Replicas replicas = new Breakers.Replicas() {
    @Override
    public Future<Boolean> claimProbe(String deploymentId) {
      told.add("claim");
      return Future.succeededFuture(true);
    }

    @Override
    public void opened(String deploymentId, long forMs, int attempt) {
      told.add("opened");
    }

    @Override
    public void closed(String deploymentId) {
      told.add("closed");
    }

    @Override
    public void released(String deploymentId) {
      told.add("released");
    }
  };
  private final Breakers breakers = new Breakers(List.of("d"), ONE_FAILURE, (id, ms) -> { }, replicas);
  private final Admission admission = new Admission(new LocalBudgetStore(60_000), breakers);
  private final Candidate candidate = new Candidate(deployment(), null, 10, 20, 0, 0, null);

  private static Deployment deployment() {
    DeploymentConfig config = DeploymentConfig.builder("d", ProviderKind.OPENAI, "gpt-4").baseUrl(URI.create("http://127.0.0.1:1"))
        .apiKey("K", new Secret("k")).tokens(8192, 8192, 1024).limits(new Limits(100_000, 100)).price(new Price(1, 1)).build();
    return new Deployment(config, Providers.of(ProviderKind.OPENAI), new GatewayMetrics(null).deployment("d", List.of()));
  }

  @BeforeEach
  void halfOpen() {
    breakers.heardOpened("d", 50, 1);
    assertEventually(10, () -> assertThat(breakers.state("d")).isEqualTo(State.HALF_OPEN));
  }

  private Admission.Result admit(Admission.Terms terms) {
    return await(admission.admit(candidate, terms));
  }

  @Test
  void whileThisProcesssProbeIsOutTheReplicasAreNotAsked() {
    assertThat(admit(c -> null)).isInstanceOf(Admission.Admitted.class);
    assertThat(told).containsExactly("claim");
    for (int i = 0; i < 5; i++) {
      assertThat(admit(c -> null)).isInstanceOf(Admission.BreakerOpen.class);
    }
    assertThat(told).as("no Redis call per request while the probe is out").containsExactly("claim");
  }

  @Test
  void aClaimedProbeThatIsNotSentGivesTheClaimAndTheProbeBack() {
    Admission.Result held = admit(new Admission.Terms() {
      @Override
      public Translator translate(Candidate c) {
        return null;
      }

      @Override
      public boolean holdBack() {
        return true;
      }
    });
    assertThat(held).isInstanceOf(Admission.HeldBack.class);
    assertThat(told).containsExactly("claim", "released");

    Admission.Result unwanted = admit(new Admission.Terms() {
      @Override
      public Translator translate(Candidate c) {
        return null;
      }

      @Override
      public boolean stillWanted() {
        return false;
      }
    });
    assertThat(unwanted).isInstanceOf(Admission.NotWanted.class);

    Admission.Result untranslatable = admit(c -> {
      throw new GatewayException(GatewayError.of(400, ErrorKind.INVALID_REQUEST, "n > 1"));
    });
    assertThat(untranslatable).isInstanceOf(Admission.Untranslatable.class);

    Candidate tooBig = new Candidate(candidate.deployment(), null, 10, 1_000_000, 0, 0, null);
    assertThat(await(admission.admit(tooBig, c -> null))).isInstanceOf(Admission.NoBudget.class);
    assertThat(told).containsExactly("claim", "released", "claim", "released", "claim", "released", "claim", "released");

    assertThat(admit(c -> null)).as("the probe is still there to send").isInstanceOf(Admission.Admitted.class);
  }

  @Test
  void aSentProbeThatSaysNothingGivesTheClaimBack() {
    Admission.Admitted probe = (Admission.Admitted) admit(c -> null);
    probe.call().neutral(); // a lost hedge, a client gone
    assertThat(told).containsExactly("claim", "released");
    assertThat(breakers.state("d")).isEqualTo(State.HALF_OPEN);
    assertThat(admit(c -> null)).isInstanceOf(Admission.Admitted.class);
  }
}
