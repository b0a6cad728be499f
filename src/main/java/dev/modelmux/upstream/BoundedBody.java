package dev.modelmux.upstream;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;

/**
 * An upstream body read whole, but never more than a limit: a provider that sends more cannot fill the heap. Past
 * the limit the exchange is reset; an answer then fails with {@link TooLarge}, an error body is kept truncated
 * (its status still says what went wrong). A body that arrives in one chunk is that chunk, not a copy of it.
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
    Collected collected = new Collected();
    response.handler(chunk -> {
      if (body.future().isComplete()) {
        return;
      }
      onChunk.run();
      if (collected.length() + chunk.length() <= limit) {
        collected.add(chunk);
        return;
      }
      if (truncate) {
        collected.add(chunk.getBuffer(0, (int) (limit - collected.length())));
        body.tryComplete(collected.buffer());
      } else {
        body.tryFail(new TooLarge(limit));
      }
      response.request().reset();
    });
    response.exceptionHandler(body::tryFail);
    response.endHandler(v -> body.tryComplete(collected.buffer()));
    return body.future();
  }

  /** The chunks so far: the first as it came (the client hands each over as a buffer of its own), then a copy of them all. */
  private static final class Collected {
    private Buffer buffer;
    private boolean own;

    int length() {
      return buffer == null ? 0 : buffer.length();
    }

    void add(Buffer chunk) {
      if (buffer == null) {
        buffer = chunk;
        return;
      }
      if (!own) {
        buffer = Buffer.buffer(buffer.length() + chunk.length()).appendBuffer(buffer);
        own = true;
      }
      buffer.appendBuffer(chunk);
    }

    Buffer buffer() {
      return buffer == null ? Buffer.buffer() : buffer;
    }
  }

  static final class TooLarge extends RuntimeException {
    TooLarge(long limit) {
      super("the answer exceeds " + limit + " bytes", null, false, false);
    }
  }
}
