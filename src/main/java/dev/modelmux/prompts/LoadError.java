package dev.modelmux.prompts;

/** A prompt file that could not be loaded: which file, and the field and problem in it. */
public record LoadError(String file, String message) {}
