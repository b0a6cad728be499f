package dev.modelmux.config;

/**
 * @param clientStallMs how long a client's write queue may stay full before its stream is ended
 * @param sendBufferBytes the kernel send buffer of each client connection; 0 leaves it to the kernel's tuning
 */
public record ServerConfig(String host, int port, long maxBodyBytes, int instances, long clientStallMs, int sendBufferBytes,
    FrontDoorConfig frontDoor) {}
