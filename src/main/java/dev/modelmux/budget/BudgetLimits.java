package dev.modelmux.budget;

/** The per-minute limits one deployment's budget enforces (the window may be shorter in tests). */
public record BudgetLimits(long tpm, long rpm) {}
