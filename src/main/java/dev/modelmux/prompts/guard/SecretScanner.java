package dev.modelmux.prompts.guard;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;

/**
 * The deterministic secret scanner a task's guard runs on what the client sent, before anything is rendered or
 * leaves the gateway. Its rules follow gitleaks' default rule set (cloud and SaaS keys by their fixed prefixes,
 * private keys, JWTs, passwords in URLs and in assignments): no model guesses here, the same text always gives the
 * same findings. Overlapping matches keep the one that starts first (the longest, then the more specific rule, on a
 * tie: rules are listed specific first).
 */
public final class SecretScanner {
  private static final String SECRET_VALUE = "(?<secret>[^\\s\"'`,;)]{6,})";
  private static final List<SecretRule> RULES = List.of(
      SecretRule.of("private-key", "a private key (PEM block)",
          "-----BEGIN[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----[\\s\\S]{16,}?-----END[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----",
          "-----begin"),
      SecretRule.of("aws-access-key-id", "an AWS access key id",
          "\\b(?<secret>(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16})\\b", "akia", "asia", "abia", "acca", "a3t"),
      SecretRule.of("aws-secret-access-key", "an AWS secret access key",
          "(?i)aws_?secret_?access_?key\\s*[:=]\\s*[\"']?(?<secret>[A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])", "aws"),
      SecretRule.of("gcp-api-key", "a Google Cloud API key", "\\b(?<secret>AIza[0-9A-Za-z_-]{35})(?![0-9A-Za-z_-])", "aiza"),
      SecretRule.of("github-token", "a GitHub token",
          "\\b(?<secret>(?:ghp|gho|ghu|ghs|ghr)_[0-9A-Za-z]{36}|github_pat_[0-9A-Za-z_]{82})\\b", "ghp_", "gho_", "ghu_",
          "ghs_", "ghr_", "github_pat_"),
      SecretRule.of("gitlab-token", "a GitLab personal access token", "\\b(?<secret>glpat-[0-9A-Za-z_-]{20})(?![0-9A-Za-z_-])",
          "glpat-"),
      SecretRule.of("slack-token", "a Slack token", "\\b(?<secret>xox[baprs]-[0-9A-Za-z-]{10,48})", "xox"),
      SecretRule.of("stripe-key", "a Stripe API key", "\\b(?<secret>(?:sk|rk)_(?:test|live|prod)_[0-9A-Za-z]{10,99})\\b",
          "sk_", "rk_"),
      SecretRule.of("anthropic-api-key", "an Anthropic API key", "\\b(?<secret>sk-ant-[A-Za-z0-9]+-[A-Za-z0-9_-]{32,})",
          "sk-ant-"),
      SecretRule.of("openai-api-key", "an OpenAI API key",
          "\\b(?<secret>sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{32,})", "sk-"),
      SecretRule.of("jwt", "a JSON Web Token",
          "\\b(?<secret>ey[A-Za-z0-9_-]{10,}\\.ey[A-Za-z0-9_-]{10,}\\.[A-Za-z0-9_-]{10,})", "ey"),
      SecretRule.of("password-in-url", "a password in a URL",
          "\\b[a-zA-Z][a-zA-Z0-9+.-]*://[^:/@\\s]+:(?<secret>[^@\\s/]{3,})@", "://"),
      SecretRule.of("bearer-token", "a bearer token", "(?i)\\bbearer\\s+(?<secret>[A-Za-z0-9._~+/-]{20,}=*)", "bearer"),
      SecretRule.of("password-assignment", "a password or secret assigned in code or config",
          "(?i)(?<![a-z0-9_])[a-z0-9_]{0,40}?(?:password|passwd|pwd|secret|api[_-]?key|access[_-]?token|auth[_-]?token"
              + "|client[_-]?secret)(?![a-z0-9_])[\"']?"
              + "\\s*[:=]\\s*[\"']?" + SECRET_VALUE,
          "pass", "pwd", "secret", "key", "token"));

  private static final SecretScanner STANDARD = new SecretScanner(RULES);

  private final List<SecretRule> rules;

  private SecretScanner(List<SecretRule> rules) {
    this.rules = rules;
  }

  public static SecretScanner standard() {
    return STANDARD;
  }

  /** The rule ids, as findings and the metrics' {@code rule} tag name them. */
  public List<String> ruleIds() {
    return rules.stream().map(SecretRule::id).toList();
  }

  /** What a rule finds ("an AWS access key id"), or the id itself for a rule this scanner does not have. */
  public String describe(String ruleId) {
    return rules.stream().filter(r -> r.id().equals(ruleId)).map(SecretRule::description).findFirst().orElse(ruleId);
  }

  /** Every secret in {@code text}, in order, none overlapping another. */
  public List<Finding> scan(String text) {
    String lower = text.toLowerCase(Locale.ROOT);
    List<Finding> all = new ArrayList<>();
    for (SecretRule rule : rules) {
      if (!rule.mayMatch(lower)) {
        continue;
      }
      boolean grouped = rule.pattern().pattern().contains("(?<secret>");
      Matcher m = rule.pattern().matcher(text);
      while (m.find()) {
        int start = grouped ? m.start("secret") : m.start();
        int end = grouped ? m.end("secret") : m.end();
        if (!looksLikeAReference(text.substring(start, end))) {
          all.add(new Finding(rule.id(), rule.description(), start, end));
        }
      }
    }
    all.sort(Comparator.comparingInt(Finding::start).thenComparing(Comparator.comparingInt(Finding::end).reversed()));
    List<Finding> kept = new ArrayList<>();
    int coveredTo = 0;
    for (Finding f : all) {
      if (f.start() >= coveredTo) {
        kept.add(f);
        coveredTo = f.end();
      }
    }
    return List.copyOf(kept);
  }

  /** A value that names where a secret comes from ($VAR, ${x}, env lookups, a placeholder) is not a secret. */
  private static boolean looksLikeAReference(String value) {
    String v = value.toLowerCase(Locale.ROOT);
    return v.startsWith("$") || v.startsWith("{") || v.startsWith("<") || v.startsWith("%") || v.contains("(")
        || v.startsWith("process.env") || v.startsWith("os.environ") || v.startsWith("[redacted") || v.chars().distinct().count() < 3;
  }

  /** {@code text} with each finding replaced by {@code [REDACTED:<rule>]}. */
  public static String redact(String text, List<Finding> findings) {
    StringBuilder out = new StringBuilder(text.length());
    int at = 0;
    for (Finding f : findings) {
      out.append(text, at, f.start()).append("[REDACTED:").append(f.rule()).append(']');
      at = f.end();
    }
    return out.append(text, at, text.length()).toString();
  }
}
