package dev.modelmux.prompts;

import com.github.mustachejava.DefaultMustacheFactory;
import com.github.mustachejava.Mustache;
import com.github.mustachejava.MustacheException;
import dev.modelmux.config.ConfigException;
import java.io.IOException;
import java.io.StringReader;
import java.io.Writer;

/** Compiles message templates. Values are inserted as they are: a prompt is not HTML, so nothing is escaped. */
final class Templates {
  private static final DefaultMustacheFactory FACTORY = new DefaultMustacheFactory() {
    @Override
    public void encode(String value, Writer writer) {
      try {
        writer.write(value);
      } catch (IOException e) {
        throw new MustacheException(e);
      }
    }
  };

  private Templates() {}

  static Mustache compile(String source, String field) {
    try {
      synchronized (FACTORY) {
        return FACTORY.compile(new StringReader(source), field);
      }
    } catch (MustacheException e) {
      throw new ConfigException(field, "not a valid Mustache template: " + e.getMessage());
    }
  }
}
