package dev.modelmux.docs;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The shell blocks of a Markdown document marked as runnable: a fenced block whose info string is
 * {@code bash runnable} (GitHub highlights it as bash). Fences of backticks or tildes, indented (in a list item) or not.
 */
final class RunnableSnippets {
  private static final Pattern OPENING = Pattern.compile("^( *)(`{3,}|~{3,})\\s*bash\\s+runnable\\s*$");
  private static final Pattern ANY_OPENING = Pattern.compile("^ *(`{3,}|~{3,}).*$");

  /** One runnable block: where it is (file and the line of its opening fence) and its text, de-indented. */
  record Snippet(String file, int line, String code) {
    @Override
    public String toString() {
      return file + ":" + line;
    }
  }

  private RunnableSnippets() {}

  static List<Snippet> in(String file, String markdown) {
    List<Snippet> snippets = new ArrayList<>();
    String[] lines = markdown.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      Matcher open = OPENING.matcher(lines[i]);
      Matcher other = ANY_OPENING.matcher(lines[i]);
      if (!open.matches() && !other.matches()) {
        continue;
      }
      String fence = open.matches() ? open.group(2) : other.group(1);
      int indent = open.matches() ? open.group(1).length() : 0;
      Pattern closing = Pattern.compile("^ *" + Pattern.quote(fence.substring(0, 1)) + "{" + fence.length() + ",}\\s*$");
      int end = i + 1;
      while (end < lines.length && !closing.matcher(lines[end]).matches()) {
        end++;
      }
      if (end == lines.length) {
        throw new IllegalArgumentException(file + ":" + (i + 1) + ": a code block that is never closed");
      }
      if (open.matches()) {
        StringBuilder code = new StringBuilder();
        for (int k = i + 1; k < end; k++) {
          String line = lines[k];
          int cut = 0;
          while (cut < indent && cut < line.length() && line.charAt(cut) == ' ') {
            cut++;
          }
          code.append(line.substring(cut)).append('\n');
        }
        snippets.add(new Snippet(file, i + 1, code.toString()));
      }
      i = end; // a fence inside a block (a YAML example's ``` say) does not open another
    }
    return snippets;
  }
}
