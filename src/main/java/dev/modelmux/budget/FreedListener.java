package dev.modelmux.budget;

/** Budget came back on a deployment: enough for {@code tokens} more (0 when the amount is not known). */
@FunctionalInterface
public interface FreedListener {
  void freed(String deploymentId, long tokens);
}
