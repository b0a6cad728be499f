package dev.modelmux.emulator;

/** The identity every body or chunk of one answer repeats. */
public record ResponseMeta(String requestId, String completionId, long createdSeconds, String model, boolean includeUsage) {}
