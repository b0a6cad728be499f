package dev.modelmux.provider;

import dev.modelmux.config.Secret;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Set;

/**
 * Removes provider keys from text that came from upstream, and every fragment of them: providers echo masked keys
 * ("sk-abc***xyz", "...a605"), so any run of {@value #FRAGMENT} or more characters that also occurs in the key goes.
 * Transformed echoes go too: in any case, reversed, as hex or base64 / base64url (of the key or any piece of it), and
 * with its characters spread apart by spaces or punctuation ("s k - e m u ..."). The answering deployment's key and every
 * other key the process has read are removed alike.
 */
public final class Redaction {
  static final int FRAGMENT = 4;
  /** Encoded forms and spread-apart characters need longer shared runs, or ordinary words would match by chance. */
  static final int ENCODED_FRAGMENT = 8;
  static final int SPREAD_FRAGMENT = 6;
  private static final String MASK = "***";

  private Redaction() {}

  public static String redact(String text, Secret key) {
    if (text == null) {
      return null;
    }
    Fragments fragments = new Fragments();
    String secret = key.reveal();
    if (secret != null && !secret.isEmpty()) {
      text = fragments.add(secret, text);
    }
    for (String other : Secret.known()) {
      text = fragments.add(other, text);
    }
    if (fragments.isEmpty()) {
      return text;
    }
    String lower = lower(text);
    boolean[] covered = new boolean[text.length()];
    // A longer shared run is a chain of overlapping shared fragments, so covering each fragment covers the run.
    cover(lower, null, fragments.plain, FRAGMENT, covered);
    cover(lower, null, fragments.encoded, ENCODED_FRAGMENT, covered);
    StringBuilder letters = new StringBuilder(text.length());
    int[] at = new int[text.length()];
    for (int i = 0; i < lower.length(); i++) {
      if (Character.isLetterOrDigit(lower.charAt(i))) {
        at[letters.length()] = i;
        letters.append(lower.charAt(i));
      }
    }
    cover(letters.toString(), at, fragments.spread, SPREAD_FRAGMENT, covered);
    StringBuilder result = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); i++) {
      if (!covered[i]) {
        result.append(text.charAt(i));
      } else if (i == 0 || !covered[i - 1]) {
        result.append(MASK);
      }
    }
    return result.toString();
  }

  /**
   * Marks every place {@code view} shares a fragment; {@code at} maps the view's positions to the text's (null when the
   * view is the text), and a fragment found in a spread-apart view covers the separators between its characters too.
   */
  private static void cover(String view, int[] at, Set<String> fragments, int length, boolean[] covered) {
    if (fragments.isEmpty()) {
      return;
    }
    for (int i = 0; i + length <= view.length(); i++) {
      if (fragments.contains(view.substring(i, i + length))) {
        int from = at == null ? i : at[i];
        int to = at == null ? i + length : at[i + length - 1] + 1;
        Arrays.fill(covered, from, to, true);
      }
    }
  }

  /** Lower case, one char for one char, so positions stay the text's. */
  private static String lower(String text) {
    char[] chars = text.toCharArray();
    for (int i = 0; i < chars.length; i++) {
      chars[i] = Character.toLowerCase(chars[i]);
    }
    return new String(chars);
  }

  /** The fragments of every form of every key, lower-cased. */
  private static final class Fragments {
    final Set<String> plain = new HashSet<>();
    final Set<String> encoded = new HashSet<>();
    final Set<String> spread = new HashSet<>();

    boolean isEmpty() {
      return plain.isEmpty();
    }

    /** Adds the key's fragments; a key too short to have any is replaced whole, at once (as it is, in any case). */
    String add(String secret, String text) {
      if (secret.length() < FRAGMENT) {
        return text.replace(secret, MASK);
      }
      String reversed = new StringBuilder(secret).reverse().toString();
      for (String form : new String[] {secret, reversed}) {
        split(lower(form), FRAGMENT, plain);
        split(lower(form).replaceAll("[^\\p{L}\\p{N}]", ""), SPREAD_FRAGMENT, spread);
      }
      byte[] bytes = secret.getBytes(StandardCharsets.UTF_8);
      split(HexFormat.of().formatHex(bytes), ENCODED_FRAGMENT, encoded);
      // Base64 encodes three bytes at a time: a piece of the key, wherever it starts, is encoded as in one of these three.
      for (int offset = 0; offset < 3 && offset < bytes.length; offset++) {
        byte[] from = Arrays.copyOfRange(bytes, offset, bytes.length);
        split(lower(Base64.getEncoder().withoutPadding().encodeToString(from)), ENCODED_FRAGMENT, encoded);
        split(lower(Base64.getUrlEncoder().withoutPadding().encodeToString(from)), ENCODED_FRAGMENT, encoded);
      }
      return text;
    }

    private static void split(String form, int length, Set<String> into) {
      for (int i = 0; i + length <= form.length(); i++) {
        into.add(form.substring(i, i + length));
      }
    }
  }
}
