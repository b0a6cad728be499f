package dev.modelmux.routing;

import java.util.List;

/** A resolved route: its name and its ordered tiers of interchangeable deployments. */
public record Route(String name, List<List<Deployment>> tiers) {}
