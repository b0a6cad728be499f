package dev.modelmux.eval;

/**
 * What the gateway answered one case: the post-processed text (or the error), and what it cost.
 *
 * @param status the HTTP status (200 for an answer)
 * @param error the error message when the status is not 200, else null
 * @param deployment the deployment that answered ({@code x-modelmux-deployment})
 * @param prompt the variant it was sent, as task/variant@version ({@code x-modelmux-prompt})
 * @param model the model name the provider reported
 * @param systemFingerprint the provider's {@code system_fingerprint}, or null when it sends none
 */
public record Answer(int status, String text, String error, long latencyMs, int promptTokens, int completionTokens,
    String deployment, String prompt, String model, String systemFingerprint) {}
