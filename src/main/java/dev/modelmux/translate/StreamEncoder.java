package dev.modelmux.translate;

import dev.modelmux.core.StreamStep;
import dev.modelmux.core.Usage;
import io.vertx.core.buffer.Buffer;

/** Writes dialect-neutral parts as one client dialect's stream events. */
interface StreamEncoder {
  StreamStep encode(StreamPart part, Buffer out);

  /** The provider closed without its terminator: finish if the answer was complete, else throw. */
  void endWithoutTerminator(Buffer out);

  Usage usage();
}
