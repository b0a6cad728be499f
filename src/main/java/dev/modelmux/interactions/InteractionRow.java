package dev.modelmux.interactions;

import java.util.List;

/** One interaction as stored: its column values in {@link Sql#COLUMNS} order (strings, numbers, booleans, nulls). */
public record InteractionRow(String requestId, List<Object> values) {}
