package dev.modelmux.upstream;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;

/**
 * An upstream body read whole, but never more than a limit: a provider that sends more cannot fill the heap. Past
 * the limit the exchange is reset; an answer then fails with {@link TooLarge}, an error body is kept truncated
 * (its status still says what went wrong).
 */
final class BoundedBody {
  private BoundedBody() {}

  /** @param onChunk told of each chunk as it arrives, so a body that stalls trips the idle deadline */
  static Future<Buffer> answer(HttpClientResponse response, long limit, Runnable onChunk) {
    return read(response, limit, false, onChunk);
  }

  static Future<Buffer> error(HttpClientResponse response, long limit, Runnable onChunk) {
    return read(response, limit, true, onChunk);
  }

  private static Future<Buffer> read(HttpClientResponse response, long limit, boolean truncate, Runnable onChunk) {
    Promise<Buffer> body = Promise.promise();
    Buffer collected = Buffer.buffer();
    response.handler(chunk -> {
      if (body.future().isComplete()) {
        return;
      }
      onChunk.run();
      if (collected.length() + chunk.length() <= limit) {
        collected.appendBuffer(chunk);
        return;
      }
      if (truncate) {
        collected.appendBuffer(chunk, 0, (int) (limit - collected.length()));
        body.tryComplete(collected);
      } else {
        body.tryFail(new TooLarge(limit));
      }
      response.request().reset();
    });
    response.exceptionHandler(body::tryFail);
    response.endHandler(v -> body.tryComplete(collected));
    return body.future();
  }

  static final class TooLarge extends RuntimeException {
    TooLarge(long limit) {
      super("the answer exceeds " + limit + " bytes", null, false, false);
    }
  }
}
