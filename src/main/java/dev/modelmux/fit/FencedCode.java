package dev.modelmux.fit;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The fenced code blocks (``` or ~~~, CommonMark style) of one text, and the text again with some of them
 * cut in the middle: the head and tail lines stay, one marker line stands for the lines in between.
 * A fence left open runs to the end of the text, as in CommonMark.
 */
final class FencedCode {
  private static final Pattern OPENING = Pattern.compile("^ {0,3}(`{3,}|~{3,})(.*)$");

  /** One block's content lines, {@code [from, to)} in the text's lines (fence lines excluded). */
  record Block(int from, int to) {
    int lines() {
      return to - from;
    }
  }

  private final String[] lines;
  private final List<Block> blocks;

  private FencedCode(String[] lines, List<Block> blocks) {
    this.lines = lines;
    this.blocks = blocks;
  }

  static FencedCode parse(String text) {
    String[] lines = text.split("\n", -1);
    List<Block> blocks = new ArrayList<>();
    int i = 0;
    while (i < lines.length) {
      Matcher open = OPENING.matcher(lines[i]);
      if (!open.matches() || (open.group(1).charAt(0) == '`' && open.group(2).indexOf('`') >= 0)) {
        i++;
        continue;
      }
      char fence = open.group(1).charAt(0);
      int length = open.group(1).length();
      int from = i + 1;
      int to = from;
      while (to < lines.length && !closes(lines[to], fence, length)) {
        to++;
      }
      blocks.add(new Block(from, to));
      i = to + 1;
    }
    return new FencedCode(lines, List.copyOf(blocks));
  }

  private static boolean closes(String line, char fence, int length) {
    int i = 0;
    while (i < 3 && i < line.length() && line.charAt(i) == ' ') {
      i++;
    }
    int run = 0;
    while (i < line.length() && line.charAt(i) == fence) {
      i++;
      run++;
    }
    return run >= length && line.substring(i).isBlank();
  }

  List<Block> blocks() {
    return blocks;
  }

  /** The marker line that replaces {@code count} lines. */
  static String marker(int count) {
    return "... [modelmux: " + count + " lines trimmed] ...";
  }

  /**
   * The text with block {@code b} keeping {@code keep[b]} of its lines (the head gets the odd one), or all of
   * them when {@code keep[b]} is negative or not smaller than the block.
   */
  String render(int[] keep) {
    List<String> out = new ArrayList<>(lines.length);
    int next = 0;
    for (int b = 0; b < blocks.size(); b++) {
      Block block = blocks.get(b);
      int kept = keep[b];
      if (kept < 0 || kept >= block.lines()) {
        continue;
      }
      int tail = kept / 2;
      int head = kept - tail;
      out.addAll(Arrays.asList(lines).subList(next, block.from() + head));
      out.add(marker(block.lines() - kept));
      next = block.to() - tail;
    }
    out.addAll(Arrays.asList(lines).subList(next, lines.length));
    return String.join("\n", out);
  }
}
