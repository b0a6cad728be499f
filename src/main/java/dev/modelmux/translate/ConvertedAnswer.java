package dev.modelmux.translate;

import dev.modelmux.core.Usage;
import io.vertx.core.buffer.Buffer;

/** A whole answer rewritten for the client, with the usage read from it. */
record ConvertedAnswer(Buffer body, Usage usage) {}
