package dev.modelmux.eval;

import java.util.ArrayList;
import java.util.List;

/** Old and new text as one line of words, git's --word-diff style: {@code [-removed-]} and {@code {+added+}}. */
final class WordDiff {
  private static final int MAX_WORDS = 4_000;

  private WordDiff() {}

  static String of(String before, String after) {
    String[] a = words(before);
    String[] b = words(after);
    if ((long) a.length * b.length > (long) MAX_WORDS * MAX_WORDS) {
      return "[-" + before + "-]{+" + after + "+}";
    }
    int[][] common = new int[a.length + 1][b.length + 1];
    for (int i = a.length - 1; i >= 0; i--) {
      for (int j = b.length - 1; j >= 0; j--) {
        common[i][j] = a[i].equals(b[j]) ? common[i + 1][j + 1] + 1 : Math.max(common[i + 1][j], common[i][j + 1]);
      }
    }
    List<String> out = new ArrayList<>();
    StringBuilder removed = new StringBuilder();
    StringBuilder added = new StringBuilder();
    int i = 0;
    int j = 0;
    while (i < a.length || j < b.length) {
      if (i < a.length && j < b.length && a[i].equals(b[j])) {
        flush(out, removed, added);
        out.add(a[i]);
        i++;
        j++;
      } else if (j < b.length && (i == a.length || common[i][j + 1] >= common[i + 1][j])) {
        append(added, b[j++]);
      } else {
        append(removed, a[i++]);
      }
    }
    flush(out, removed, added);
    return String.join(" ", out);
  }

  private static String[] words(String text) {
    String trimmed = text == null ? "" : text.strip();
    return trimmed.isEmpty() ? new String[0] : trimmed.split("\\s+");
  }

  private static void append(StringBuilder run, String word) {
    if (!run.isEmpty()) {
      run.append(' ');
    }
    run.append(word);
  }

  private static void flush(List<String> out, StringBuilder removed, StringBuilder added) {
    if (!removed.isEmpty()) {
      out.add("[-" + removed + "-]");
      removed.setLength(0);
    }
    if (!added.isEmpty()) {
      out.add("{+" + added + "+}");
      added.setLength(0);
    }
  }
}
