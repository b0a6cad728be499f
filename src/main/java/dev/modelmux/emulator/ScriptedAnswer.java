package dev.modelmux.emulator;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A canned answer for conversations a pattern finds something in (the system and user turns' text, joined by
 * newlines): {@code say} may use the pattern's groups as {@code $1}. It gives the demo's tasks plausible answers.
 */
public record ScriptedAnswer(Pattern when, String say) {
  /** The first script that matches {@code conversation}, its groups filled in; null when none does. */
  static String answer(List<ScriptedAnswer> scripts, String conversation) {
    for (ScriptedAnswer script : scripts) {
      Matcher m = script.when().matcher(conversation);
      if (m.find()) {
        StringBuilder out = new StringBuilder();
        m.appendReplacement(out, script.say()); // appends the text before the match, then the expanded answer
        return out.substring(m.start());
      }
    }
    return null;
  }
}
