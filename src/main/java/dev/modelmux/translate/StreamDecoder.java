package dev.modelmux.translate;

import dev.modelmux.core.GatewayException;
import dev.modelmux.core.SseEvent;
import java.util.List;

/** Reads one provider's stream events into dialect-neutral parts; throws {@link GatewayException} for errors and garbage. */
interface StreamDecoder {
  void decode(SseEvent event, List<StreamPart> out);
}
