package dev.modelmux.prompts;

import com.github.mustachejava.Mustache;
import java.io.StringWriter;
import java.util.Map;

/** One message of a variant: its role and its content as a compiled Mustache template. */
public record MessageTemplate(String role, String source, Mustache template) {
  public String render(Map<String, Object> scope) {
    StringWriter out = new StringWriter();
    template.execute(out, scope);
    return out.toString();
  }
}
