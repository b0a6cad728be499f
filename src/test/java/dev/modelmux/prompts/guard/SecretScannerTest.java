package dev.modelmux.prompts.guard;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;

/**
 * The deterministic scanner on one sample per rule, and on look-alikes it must leave alone. Samples are assembled
 * from pieces so that no secret-shaped string sits in the repository for other scanners to trip over.
 */
class SecretScannerTest {
  private static final SecretScanner SCANNER = SecretScanner.standard();
  private static final String B64_40 = "wJalrXUtnFEMI/K7MDENG/bPxRfiCY" + "EXAMPLEKEY";

  @Test
  void eachRuleFindsItsKindOfSecret() {
    Map<String, String> samples = Map.ofEntries(
        Map.entry("aws-access-key-id", "key = " + "AKIA" + "IOSFODNN7EXAMPLE" + "\n"),
        Map.entry("aws-secret-access-key", "aws_secret_access_key=" + B64_40),
        Map.entry("gcp-api-key", "const k = '" + "AIza" + "SyA-1234567890abcdefghijklmnopqrstu" + "';"),
        Map.entry("github-token", "token " + "ghp" + "_" + "a".repeat(18) + "B".repeat(18)),
        Map.entry("gitlab-token", "glpat" + "-" + "x1Y2z3W4v5U6t7S8r9Q0"),
        Map.entry("slack-token", "xox" + "b-" + "123456789012-abcdefABCDEF"),
        Map.entry("stripe-key", "sk" + "_live_" + "4eC39HqLyjWDarjtT1zdp7dc"),
        Map.entry("anthropic-api-key", "sk-" + "ant-api03-" + "Ab1".repeat(15)),
        Map.entry("openai-api-key", "OPENAI=" + "sk-" + "proj-" + "Zz9".repeat(16)),
        Map.entry("jwt", "Authorization: eyJ" + "hbGciOiJIUzI1NiJ9" + ".eyJ" + "zdWIiOiIxMjM0NTY3ODkwIn0" + ".dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"),
        Map.entry("password-in-url", "db = \"postgres://app:" + "hunter2hunter" + "@db.internal:5432/app\""),
        Map.entry("bearer-token", "curl -H 'Authorization: Bearer " + "abcDEF123456ghiJKL789mno" + "'"),
        Map.entry("password-assignment", "DB_PASSWORD=" + "correct-horse-battery"),
        Map.entry("private-key", "-----BEGIN " + "RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA75wkbYDk1J4yk1Jl\n-----END RSA PRIVATE KEY-----"));
    assertThat(samples.keySet()).containsExactlyInAnyOrderElementsOf(SCANNER.ruleIds());
    samples.forEach((rule, text) -> {
      List<Finding> found = SCANNER.scan(text);
      assertThat(found).as(rule).extracting(Finding::rule).containsExactly(rule);
    });
  }

  @Test
  void aFindingCoversTheSecretNotTheWordsAroundIt() {
    String text = "url: https://deploy:" + "s3cr3tpass" + "@git.example.com/repo";
    Finding finding = SCANNER.scan(text).get(0);
    assertThat(text.substring(finding.start(), finding.end())).isEqualTo("s3cr3tpass");
    assertThat(SecretScanner.redact(text, List.of(finding))).isEqualTo("url: https://deploy:[REDACTED:password-in-url]@git.example.com/repo");
  }

  @Test
  void referencesPlaceholdersAndProseAreNotSecrets() {
    assertThat(SCANNER.scan("password = os.environ(\"DB_PASSWORD\")")).isEmpty();
    assertThat(SCANNER.scan("password: ${DB_PASSWORD}")).isEmpty();
    assertThat(SCANNER.scan("api_key = <your key here>")).isEmpty();
    assertThat(SCANNER.scan("Enter your password to continue; a secret is best kept in a vault.")).isEmpty();
    assertThat(SCANNER.scan("see https://example.com/docs and mailto:team@example.com")).isEmpty();
    assertThat(SCANNER.scan("password=xxxxxxxx")).isEmpty();
  }

  @Test
  void overlappingRulesReportTheSecretOnceByTheMostSpecificRule() {
    String text = "ANTHROPIC_API_KEY=" + "sk-" + "ant-api03-" + "Qw9".repeat(15);
    assertThat(SCANNER.scan(text)).extracting(Finding::rule).containsExactly("anthropic-api-key");
    assertThat(SCANNER.scan("ANTHROPIC_API_KEY=" + "plainvalue123")).extracting(Finding::rule).containsExactly("password-assignment");
    String two = "a=" + "AKIA" + "IOSFODNN7EXAMPLE" + " b=https://u:" + "pw123456" + "@h";
    List<Finding> found = SCANNER.scan(two);
    assertThat(found).extracting(Finding::rule).containsExactly("aws-access-key-id", "password-in-url");
    assertThat(SecretScanner.redact(two, found)).isEqualTo("a=[REDACTED:aws-access-key-id] b=https://u:[REDACTED:password-in-url]@h");
  }

  @Test
  void aLongIdentifierRunDoesNotMakeTheScanQuadratic() {
    // The assignment rule once tried every start of "a_a_a_..." against every keyword: 32 KB took seconds.
    String hostile = "a_".repeat(100_000) + " key";
    List<Finding> found = Assertions.assertTimeoutPreemptively(Duration.ofSeconds(10),
        () -> SCANNER.scan(hostile));
    assertThat(found).isEmpty();
    assertThat(SCANNER.scan("my_service_api_key = \"" + "Zq9vX2kP7mW4" + "\"")).extracting(Finding::rule).containsExactly("password-assignment");
  }

  @Test
  void whatATemplateSeesNeverHoldsTheSecret() {
    String text = "line one\nconn = \"mysql://root:" + "Tr0ub4dor&3" + "@localhost/db\"";
    Finding finding = SCANNER.scan(text).get(0);
    Map<String, Object> entry = finding.forTemplate(text);
    assertThat(entry).containsEntry("rule", "password-in-url").containsEntry("line", 2).containsEntry("length", 11);
    assertThat(entry.values().toString()).doesNotContain("Tr0ub4dor");
  }
}
