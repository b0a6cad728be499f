package dev.modelmux.config;

import java.nio.file.Path;

/**
 * Where the prompt repository lives.
 *
 * @param dir the folder holding one sub-folder per task (absolute)
 * @param pollMs how often the folder is checked for edits
 */
public record PromptsConfig(Path dir, long pollMs) {
  public static final long DEFAULT_POLL_MS = 500;
}
