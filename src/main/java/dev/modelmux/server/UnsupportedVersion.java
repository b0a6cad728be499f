package dev.modelmux.server;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;

/**
 * A Netty handler after the HTTP decoder: a request line with a version other than HTTP/1.0 or 1.1 (HTTP/9.9, the
 * HTTP/2 preface {@code PRI * HTTP/2.0}) is marked as a decoding failure, so {@link MalformedHttp} answers it (505, in
 * JSON, over HTTP/1.1) where Vert.x would send an empty 501; whatever the client sends after it is dropped.
 */
final class UnsupportedVersion extends ChannelInboundHandlerAdapter {
  /** The failure a refused request carries; its major version says whether it was HTTP/2. */
  static final class Refused extends DecoderException {
    final int major;

    Refused(int major) {
      super("unsupported HTTP version");
      this.major = major;
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
      return this; // an expected refusal: no stack to walk or log
    }
  }

  private boolean refused;

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (refused) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (msg instanceof HttpRequest request && request.decoderResult().isSuccess()) {
      HttpVersion version = request.protocolVersion();
      if (!version.equals(HttpVersion.HTTP_1_1) && !version.equals(HttpVersion.HTTP_1_0)) {
        refused = true;
        request.setProtocolVersion(HttpVersion.HTTP_1_1); // the refusal itself is sent as HTTP/1.1
        request.setDecoderResult(DecoderResult.failure(new Refused(version.majorVersion())));
      }
    }
    ctx.fireChannelRead(msg);
  }
}
