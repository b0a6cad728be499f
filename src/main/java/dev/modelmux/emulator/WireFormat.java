package dev.modelmux.emulator;

import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;

/**
 * One provider dialect on the wire: how its requests are read and its answers, chunks, errors and
 * headers are written. Admission, planning and fault playing never see JSON of any dialect; each
 * dialect (OpenAI, Azure OpenAI, Anthropic) is one implementation of this interface plus a route.
 * Implementations are stateless and shared by all requests: everything per answer comes in the
 * {@link AnswerPlan} and {@link ResponseMeta}.
 */
interface WireFormat {

  /** Reads the API key and body of a chat request; throws {@link ApiError} for auth and body problems. */
  ChatRequest read(HttpServerRequest request, Buffer body);

  /** The model named by a request that may fail validation later (for error headers and stats), or null. */
  String modelOf(HttpServerRequest request, Buffer body);

  /** Headers every response carries: request id and rate-limit state (may be null when no model is known). */
  void commonHeaders(MultiMap headers, ResponseMeta meta, RateLimitState state);

  /** A complete error response: status, extra headers (retry-after ...), content type and body. */
  ErrorReply error(ApiError error, ResponseMeta meta);

  record ErrorReply(int status, MultiMap headers, String contentType, Buffer body) {}

  /** A non-streamed answer's body. */
  Buffer completion(AnswerPlan plan, ResponseMeta meta);

  /** A non-streamed body that is not valid JSON (MALFORMED_CHUNK fault). */
  Buffer malformedCompletion(ResponseMeta meta);

  String streamContentType();

  /** One stream step's bytes (of {@code plan}'s answer), or null when this dialect sends nothing for it. */
  Buffer event(StreamEvent event, AnswerPlan plan, ResponseMeta meta);

  /** A stream event whose payload is cut off mid-JSON (MALFORMED_CHUNK fault). */
  Buffer malformedEvent(ResponseMeta meta);

  /** The in-band error event a stream ends with on a STREAM_ERROR fault. */
  Buffer streamError(ResponseMeta meta);

  /** The HTTP status a non-streamed request gets for a STREAM_ERROR fault (the in-band error's equivalent). */
  int streamErrorStatus();
}
