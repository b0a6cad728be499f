package dev.modelmux.translate;

import dev.modelmux.config.DeploymentConfig;
import dev.modelmux.core.ErrorKind;
import dev.modelmux.core.GatewayError;
import dev.modelmux.core.GatewayException;
import dev.modelmux.provider.Redaction;
import dev.modelmux.provider.UpstreamErrorFields;
import io.netty.buffer.ByteBuf;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.json.JsonObject;
import java.io.IOException;

/** Parsing what a provider sent, where anything but a JSON object is that provider's fault. */
final class Json {
  private Json() {}

  static JsonObject upstream(String json, DeploymentConfig deployment) {
    try {
      return new JsonObject(json);
    } catch (RuntimeException e) {
      throw malformed(deployment);
    }
  }

  static GatewayException malformed(DeploymentConfig deployment) {
    return new GatewayException(GatewayError.of(502, ErrorKind.UPSTREAM_ERROR,
        "Deployment '" + deployment.id() + "' sent a malformed answer."));
  }

  /**
   * A whole OpenAI chat.completion whose known members have the documented types, with a message in every choice;
   * read into {@code peek}, which then holds its usage.
   */
  static void checkOpenAiAnswer(OpenAiChunkPeek peek, byte[] json, DeploymentConfig deployment) {
    try {
      peek.read(json, false);
    } catch (IOException e) {
      throw malformed(deployment);
    }
    if (peek.choices == 0 || peek.messages != peek.choices) {
      throw malformed(deployment);
    }
  }

  /**
   * A whole Anthropic message whose known members have the documented types, its content an array of blocks; read
   * into {@code peek}, which then holds its usage.
   */
  static void checkAnthropicAnswer(AnthropicEventPeek peek, byte[] json, DeploymentConfig deployment) {
    try {
      peek.read(json, false);
    } catch (IOException e) {
      throw malformed(deployment);
    }
    if (!"message".equals(peek.type) || !peek.contentBlocks) {
      throw malformed(deployment);
    }
  }

  /**
   * The bytes of a whole answer for a peek to read: the buffer's own array when it holds exactly those bytes (a body
   * that arrived in one chunk), a copy otherwise.
   */
  static byte[] bytesOf(Buffer answer) {
    ByteBuf bytes = ((BufferInternal) answer).getByteBuf();
    if (bytes.hasArray() && bytes.arrayOffset() == 0 && bytes.readerIndex() == 0 && bytes.readableBytes() == bytes.array().length) {
      return bytes.array();
    }
    return answer.getBytes();
  }

  /** A count that providers may send as a number, as null, or not at all. */
  static int intOr(JsonObject object, String field, int fallback) {
    return object.getValue(field) instanceof Number n ? n.intValue() : fallback;
  }

  /** An error the provider sent inside a stream it had started ({"error":{...}} in OpenAI's shape). */
  static GatewayException inBandError(JsonObject error, DeploymentConfig deployment) {
    String message = error.getValue("message") instanceof String m ? m : "The provider reported an error mid-stream.";
    return new GatewayException(new GatewayError(502, ErrorKind.UPSTREAM_ERROR,
        Redaction.redact(message, deployment.apiKey()), null, UpstreamErrorFields.code(error.getValue("code")), 0));
  }

  static GatewayException incomplete(DeploymentConfig deployment) {
    return new GatewayException(GatewayError.of(502, ErrorKind.UPSTREAM_ERROR,
        "Deployment '" + deployment.id() + "' ended the stream before the answer was complete."));
  }

  static GatewayException untranslatable(String field, String why) {
    return new GatewayException(GatewayError.invalid(why, field, "unsupported_parameter"));
  }
}
