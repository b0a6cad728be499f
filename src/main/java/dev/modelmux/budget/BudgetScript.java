package dev.modelmux.budget;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** The budget Lua scripts (resources {@code budget/*.lua}), each prefixed with {@code budget/common.lua}. */
enum BudgetScript {
  LEASE("lease"),
  PAUSE("pause"),
  OBSERVE("observe"),
  HEADROOM("headroom"),
  HEARTBEAT("heartbeat"),
  WAITING("waiting"),
  PROBE_CLAIM("probe_claim"),
  PROBE_RELEASE("probe_release");

  final String source;
  /** SHA-1 of the source, as Redis computes it in SCRIPT LOAD. */
  final String sha;

  BudgetScript(String name) {
    this.source = read("common") + "\n" + read(name);
    this.sha = sha1(source);
  }

  private static String read(String name) {
    String path = "/budget/" + name + ".lua";
    try (InputStream in = BudgetScript.class.getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + path);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String sha1(String s) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
