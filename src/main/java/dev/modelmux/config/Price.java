package dev.modelmux.config;

/** US dollars per million tokens. */
public record Price(double inputPerMtok, double outputPerMtok) {}
