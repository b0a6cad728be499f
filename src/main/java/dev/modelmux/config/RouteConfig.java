package dev.modelmux.config;

import java.util.List;

/** What a client names in "model": ordered tiers, each a list of interchangeable deployment ids. */
public record RouteConfig(String name, List<List<String>> tiers) {}
