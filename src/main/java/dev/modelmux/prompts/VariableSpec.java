package dev.modelmux.prompts;

/**
 * A variable a task's templates use, as {@code task.yaml} declares it.
 *
 * @param maxLength the longest value accepted, in characters
 */
public record VariableSpec(String name, boolean required, String description, int maxLength) {}
