package dev.modelmux.provider;

import dev.modelmux.config.ProviderKind;
import dev.modelmux.provider.anthropic.AnthropicProvider;
import dev.modelmux.provider.azure.AzureProvider;
import dev.modelmux.provider.openai.OpenAiProvider;

/** The provider implementations, one shared instance each (they hold no per-request state). */
public final class Providers {
  private static final Provider OPENAI = new OpenAiProvider();
  private static final Provider AZURE = new AzureProvider();
  private static final Provider ANTHROPIC = new AnthropicProvider();

  private Providers() {}

  public static Provider of(ProviderKind kind) {
    return switch (kind) {
      case OPENAI -> OPENAI;
      case AZURE -> AZURE;
      case ANTHROPIC -> ANTHROPIC;
    };
  }
}
