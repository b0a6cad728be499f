package dev.modelmux.server;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;

/** A Netty handler that tells of a client closing its sending half (a FIN) while the connection can still answer it. */
final class InputShutdown extends ChannelInboundHandlerAdapter {
  private final Runnable onShutdown;

  InputShutdown(Runnable onShutdown) {
    this.onShutdown = onShutdown;
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (evt instanceof ChannelInputShutdownEvent) {
      onShutdown.run();
    }
    super.userEventTriggered(ctx, evt);
  }
}
