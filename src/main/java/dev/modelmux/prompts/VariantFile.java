package dev.modelmux.prompts;

import com.fasterxml.jackson.databind.JsonNode;
import dev.modelmux.config.ConfigException;
import dev.modelmux.config.ConfigNode;
import dev.modelmux.prompts.post.PostPipeline;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Reads one variant file ({@code prompts/<task>/<variant>.yaml}); errors name the file and the field. */
final class VariantFile {
  private static final Set<String> ROLES = Set.of("system", "user", "assistant");
  /** Parameters a variant may set: the ones both dialects know. */
  private static final Set<String> PARAMS = Set.of("temperature", "top_p", "max_tokens", "stop");

  private VariantFile() {}

  static Variant parse(String task, String name, JsonNode tree, String version, String file) {
    if (tree == null || !tree.isObject()) {
      throw new ConfigException(file, "must be a YAML mapping");
    }
    ConfigNode root = ConfigNode.of(tree, file).allowOnly(Set.of("match", "messages", "params", "post", "description"));
    List<String> match = root.has("match") && root.raw().get("match").isTextual() ? List.of(root.string("match")) : root.stringList("match");
    if (match.isEmpty()) {
      throw new ConfigException(root.field("match"), "required: the model families this variant serves, or default");
    }
    List<ConfigNode> messageNodes = root.list("messages");
    if (messageNodes.isEmpty()) {
      throw new ConfigException(root.field("messages"), "at least one message is required");
    }
    List<MessageTemplate> messages = new ArrayList<>();
    for (int i = 0; i < messageNodes.size(); i++) {
      ConfigNode m = messageNodes.get(i).allowOnly(Set.of("role", "content"));
      String role = m.string("role");
      if (!ROLES.contains(role)) {
        throw new ConfigException(m.field("role"), "must be system, user or assistant");
      }
      String content = m.string("content");
      messages.add(new MessageTemplate(role, content, Templates.compile(content, m.field("content"))));
    }
    ConfigNode params = root.optionalObject("params").allowOnly(PARAMS);
    JsonObject paramsJson = new JsonObject(params.raw().toString());
    if (params.has("max_tokens")) {
      params.number("max_tokens", 0, 1, Integer.MAX_VALUE);
    }
    PostPipeline post = root.has("post") ? PostPipeline.parse(root.raw().get("post"), root.field("post")) : PostPipeline.NONE;
    return new Variant(task, name, List.copyOf(match), List.copyOf(messages), paramsJson, post, version, file);
  }
}
