package dev.modelmux.eval;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The results of one eval run: a table per task × variant × model (cases passed, p50 latency, tokens, cost), the
 * JSON a later run compares against ({@link Baseline}), and JUnit XML for CI. A case marked {@code known_failing} is run and
 * reported as such (skipped in JUnit) and never fails the run.
 */
public final class EvalReport {
  private final List<CaseResult> results;

  public EvalReport(List<CaseResult> results) {
    this.results = List.copyOf(results);
  }

  public List<CaseResult> results() {
    return results;
  }

  public boolean allPassed() {
    return results.stream().noneMatch(CaseResult::failsTheRun);
  }

  /** Results grouped by task, variant and family, in run order. */
  Map<String, List<CaseResult>> groups() {
    Map<String, List<CaseResult>> groups = new LinkedHashMap<>();
    for (CaseResult r : results) {
      groups.computeIfAbsent(groupKey(r.task(), r.variant(), r.family()), k -> new ArrayList<>()).add(r);
    }
    return groups;
  }

  static String groupKey(String task, String variant, String family) {
    return task + " / " + variant + " / " + family;
  }

  public String table() {
    StringBuilder out = new StringBuilder();
    String format = "%-22s %-26s %-18s %-20s %7s %8s %8s %10s%n";
    out.append(String.format(Locale.ROOT, format, "task", "variant", "family", "model", "passed", "p50 ms", "tokens", "cost $"));
    for (List<CaseResult> group : groups().values()) {
      CaseResult first = group.get(0);
      long passed = group.stream().filter(CaseResult::passed).count();
      long known = group.stream().filter(r -> r.isKnownFailing() && !r.passed()).count();
      long tokens = group.stream().mapToLong(r -> r.answer().promptTokens() + r.answer().completionTokens()).sum();
      double cost = group.stream().mapToDouble(CaseResult::costUsd).sum();
      String model = group.stream().map(r -> r.answer().model()).filter(Objects::nonNull).findFirst().orElse("-");
      out.append(String.format(Locale.ROOT, format, first.task(), first.label().substring(first.task().length() + 1), first.family(),
          model, passed + "/" + group.size() + (known > 0 ? " (" + known + " known failing)" : ""), p50(group), tokens, String.format(Locale.ROOT, "%.6f", cost)));
    }
    for (CaseResult r : results) {
      if (r.isKnownFailing()) {
        out.append(r.passed() ? "PASSES NOW (marked known failing: its known_failing line can go) " : "KNOWN FAILING (" + r.knownFailing()
            + ") ").append(r.label()).append(" on ").append(r.family()).append(" [").append(r.caseName()).append("]")
            .append(r.passed() ? "" : ": " + r.failures().get(0)).append('\n');
        continue;
      }
      for (String failure : r.failures()) {
        out.append("FAIL ").append(r.label()).append(" on ").append(r.family()).append(" [").append(r.caseName()).append("]: ")
            .append(failure).append('\n');
      }
    }
    return out.toString();
  }

  private static long p50(List<CaseResult> group) {
    long[] latencies = group.stream().mapToLong(r -> r.answer().latencyMs()).sorted().toArray();
    return latencies[(latencies.length - 1) / 2];
  }

  public JsonObject json() {
    JsonArray cases = new JsonArray();
    JsonObject models = new JsonObject();
    for (CaseResult r : results) {
      Answer a = r.answer();
      cases.add(new JsonObject().put("task", r.task()).put("variant", r.variant()).put("prompt", r.label()).put("family", r.family())
          .put("case", r.caseName()).put("passed", r.passed()).put("known_failing", r.knownFailing())
          .put("failures", new JsonArray(r.failures()))
          .put("deployment", a.deployment()).put("model", a.model()).put("system_fingerprint", a.systemFingerprint())
          .put("latency_ms", a.latencyMs()).put("prompt_tokens", a.promptTokens()).put("completion_tokens", a.completionTokens())
          .put("cost_usd", r.costUsd()).put("output", a.status() == 200 ? a.text() : null));
      if (a.deployment() != null && a.model() != null) {
        models.put(a.deployment(), new JsonObject().put("model", a.model()).put("system_fingerprint", a.systemFingerprint()));
      }
    }
    JsonArray summary = new JsonArray();
    groups().values().forEach(group -> {
      CaseResult first = group.get(0);
      summary.add(new JsonObject().put("task", first.task()).put("variant", first.variant()).put("family", first.family())
          .put("passed", group.stream().filter(CaseResult::passed).count()).put("total", group.size()).put("p50_ms", p50(group)));
    });
    return new JsonObject().put("cases", cases).put("summary", summary).put("models", models);
  }

  public String junitXml() {
    long failures = results.stream().filter(CaseResult::failsTheRun).count();
    long skipped = results.stream().filter(r -> r.isKnownFailing() && !r.passed()).count();
    double seconds = results.stream().mapToLong(r -> r.answer().latencyMs()).sum() / 1000.0;
    StringBuilder xml = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    xml.append(String.format(Locale.ROOT, "<testsuite name=\"modelmux-eval\" tests=\"%d\" failures=\"%d\" errors=\"0\" skipped=\"%d\" "
        + "time=\"%.3f\">%n", results.size(), failures, skipped, seconds));
    for (CaseResult r : results) {
      xml.append(String.format(Locale.ROOT, "  <testcase classname=\"%s\" name=\"%s\" time=\"%.3f\"",
          escape(r.task() + "." + r.variant() + "[" + r.family() + "]"), escape(r.caseName()), r.answer().latencyMs() / 1000.0));
      if (r.passed()) {
        xml.append("/>\n");
      } else if (r.isKnownFailing()) {
        xml.append(">\n    <skipped message=\"").append(escape("known failing: " + r.knownFailing())).append("\">")
            .append(escape(String.join("\n", r.failures()))).append("</skipped>\n  </testcase>\n");
      } else {
        xml.append(">\n    <failure message=\"").append(escape(r.failures().get(0))).append("\">")
            .append(escape(String.join("\n", r.failures()))).append("</failure>\n  </testcase>\n");
      }
    }
    return xml.append("</testsuite>\n").toString();
  }

  private static String escape(String s) {
    StringBuilder out = new StringBuilder(s.length());
    for (char c : s.toCharArray()) {
      switch (c) {
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '&' -> out.append("&amp;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&apos;");
        default -> {
          if (c < 0x20 && c != '\n' && c != '\t' && c != '\r') {
            out.append('?');
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.toString();
  }
}
