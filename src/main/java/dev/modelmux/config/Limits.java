package dev.modelmux.config;

/** A deployment's provider-imposed rate limits: tokens and requests per minute. */
public record Limits(long tpm, long rpm) {}
