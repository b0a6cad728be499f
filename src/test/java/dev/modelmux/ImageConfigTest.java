package dev.modelmux;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * What can be checked of the container image here (no registry is reachable, so it is never built): the Jib
 * configuration's entrypoint and JVM flags start this build's gateway code, the files it names are in the image's
 * folders, and it runs as a non-root user.
 */
class ImageConfigTest {
  @Test
  void theImagesEntrypointAndFlagsRunTheGateway() throws Exception {
    Document pom = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(Path.of("pom.xml").toFile());
    Element jib = null;
    NodeList plugins = pom.getElementsByTagName("plugin");
    for (int i = 0; i < plugins.getLength(); i++) {
      Element plugin = (Element) plugins.item(i);
      if (text(plugin, "artifactId").equals("jib-maven-plugin")) {
        jib = plugin;
      }
    }
    assertThat(jib).as("the image profile's Jib plugin").isNotNull();
    List<String> flags = all(jib, "jvmFlag");
    List<String> args = all(jib, "arg");
    String mainClass = text(jib, "mainClass");
    assertThat(flags).contains("-XX:+ExitOnOutOfMemoryError").anyMatch(f -> f.startsWith("-XX:MaxRAMPercentage="));
    assertThat(text(jib, "user")).doesNotStartWith("0").doesNotStartWith("root");
    assertThat(text(jib, "image")).as("a pinned base, not latest").matches("eclipse-temurin:17\\.[0-9._]+-jre-\\w+");

    // The config the entrypoint names is one of conf/, which the image carries at /app/conf.
    String config = args.get(args.indexOf("--config") + 1);
    assertThat(config).startsWith("/app/conf/");
    assertThat(Path.of("conf", config.substring("/app/conf/".length()))).exists();

    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    command.addAll(flags);
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass, args.get(0), "--help"));
    Process run = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(run.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(run.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(run.exitValue()).as(output).isZero();
    assertThat(output).contains("--config").contains("Run the gateway");
  }

  private static String text(Element parent, String tag) {
    NodeList nodes = parent.getElementsByTagName(tag);
    return nodes.getLength() == 0 ? "" : nodes.item(0).getTextContent().strip();
  }

  private static List<String> all(Element parent, String tag) {
    List<String> out = new ArrayList<>();
    NodeList nodes = parent.getElementsByTagName(tag);
    for (int i = 0; i < nodes.getLength(); i++) {
      out.add(nodes.item(i).getTextContent().strip());
    }
    return out;
  }
}
