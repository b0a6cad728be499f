package dev.modelmux.budget;

/**
 * Budget came back on a deployment: {@code tokens} are free in its window now (what was given back and whatever was
 * free already; 0 when not known).
 */
@FunctionalInterface
public interface FreedListener {
  void freed(String deploymentId, long tokens);
}
