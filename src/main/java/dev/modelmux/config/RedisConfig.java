package dev.modelmux.config;

import java.net.URI;

public record RedisConfig(URI url) {}
