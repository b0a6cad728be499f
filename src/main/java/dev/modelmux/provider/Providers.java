package dev.modelmux.provider;

import dev.modelmux.config.ConfigException;
import dev.modelmux.config.DeploymentConfig;
import dev.modelmux.config.ProviderKind;
import dev.modelmux.provider.openai.OpenAiProvider;
import java.util.List;

/** The provider implementations this build supports. */
public final class Providers {
  private static final Provider OPENAI = new OpenAiProvider();

  private Providers() {}

  public static Provider of(ProviderKind kind) {
    return switch (kind) {
      case OPENAI -> OPENAI;
      case AZURE, ANTHROPIC -> null;
    };
  }

  /** Fails start for a deployment whose provider this build cannot call yet. */
  public static void checkSupported(List<DeploymentConfig> deployments) {
    for (int i = 0; i < deployments.size(); i++) {
      ProviderKind kind = deployments.get(i).provider();
      if (of(kind) == null) {
        throw new ConfigException("deployments[" + i + "].provider", "provider '" + kind.wireName() + "' is not supported by this version yet");
      }
    }
  }
}
