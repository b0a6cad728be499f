package dev.modelmux.translate;

import dev.modelmux.config.DeploymentConfig;
import dev.modelmux.config.Limits;
import dev.modelmux.config.ProviderKind;
import dev.modelmux.config.Secret;
import dev.modelmux.core.StreamStep;
import dev.modelmux.spi.Translator;
import dev.modelmux.stream.SseParser;
import io.vertx.core.buffer.Buffer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Deployments and a stream driver for translator unit tests. */
final class TranslatorTestSupport {
  private TranslatorTestSupport() {}

  static DeploymentConfig deployment(ProviderKind provider, String model, int maxOutput) {
    return DeploymentConfig.builder("test-" + provider.wireName(), provider, model).baseUrl(URI.create("http://127.0.0.1:1"))
        .apiKey("KEY", new Secret("sk-test-secret-0123456789")).tokens(100_000, maxOutput, Math.min(1024, maxOutput))
        .limits(new Limits(1000, 10)).build();
  }

  /** The steps the translator returned and everything it wrote for the client, feeding the stream in the given chunks. */
  record Relayed(List<StreamStep> steps, String output) {}

  static Relayed relay(Translator translator, List<byte[]> chunks) {
    List<StreamStep> steps = new ArrayList<>();
    Buffer out = Buffer.buffer();
    SseParser parser = new SseParser(event -> {
      if (steps.isEmpty() || steps.get(steps.size() - 1) != StreamStep.COMPLETE) {
        steps.add(translator.onEvent(event, out));
      }
    });
    chunks.forEach(c -> parser.handle(Buffer.buffer(c)));
    return new Relayed(steps, out.toString(StandardCharsets.UTF_8));
  }

  static List<byte[]> whole(String stream) {
    return List.of(stream.getBytes(StandardCharsets.UTF_8));
  }

  static List<byte[]> splitAt(String stream, int offset) {
    byte[] all = stream.getBytes(StandardCharsets.UTF_8);
    byte[] head = new byte[offset];
    byte[] tail = new byte[all.length - offset];
    System.arraycopy(all, 0, head, 0, offset);
    System.arraycopy(all, offset, tail, 0, tail.length);
    return List.of(head, tail);
  }
}
