package dev.modelmux.config;

public record ServerConfig(String host, int port, long maxBodyBytes, int instances) {}
