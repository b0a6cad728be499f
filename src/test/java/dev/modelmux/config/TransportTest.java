package dev.modelmux.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.channel.epoll.Epoll;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class TransportTest {

  @Test
  void prefersTheNativeTransportByDefaultAndServesOnEpollWhereItLoads() throws Exception {
    assumeTrue(Epoll.isAvailable(), "no native epoll on this platform");
    Vertx vertx = Vertx.vertx(Transport.options(new VertxOptions(), name -> null));
    try {
      assertThat(vertx.isNativeTransportEnabled()).isTrue();
      assertThat(Transport.describe(vertx)).isEqualTo("epoll");
      assertThat(roundTrip(vertx)).isEqualTo("pong");
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void nioWhenAskedFor() throws Exception {
    Vertx vertx = Vertx.vertx(Transport.options(new VertxOptions(), Map.of(Transport.ENV, "nio")::get));
    try {
      assertThat(vertx.isNativeTransportEnabled()).isFalse();
      assertThat(Transport.describe(vertx)).isEqualTo("nio");
      assertThat(roundTrip(vertx)).isEqualTo("pong");
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void nativeAndBlankMeanTheDefault() {
    assertThat(Transport.options(new VertxOptions(), Map.of(Transport.ENV, " native ")::get).getPreferNativeTransport()).isTrue();
    assertThat(Transport.options(new VertxOptions(), Map.of(Transport.ENV, "")::get).getPreferNativeTransport()).isTrue();
  }

  @Test
  void anyOtherValueIsRefusedByName() {
    assertThatThrownBy(() -> Transport.options(new VertxOptions(), Map.of(Transport.ENV, "io_uring")::get))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("MODELMUX_TRANSPORT").hasMessageContaining("native or nio").hasMessageContaining("io_uring");
  }

  private static String roundTrip(Vertx vertx) throws Exception {
    HttpServer server = vertx.createHttpServer().requestHandler(req -> req.response().end("pong"))
        .listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    return vertx.createHttpClient().request(HttpMethod.GET, server.actualPort(), "127.0.0.1", "/ping")
        .compose(req -> req.send().compose(resp -> resp.body())).await(10, TimeUnit.SECONDS).toString();
  }
}
