package dev.modelmux.budget;

import dev.modelmux.config.RedisConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.net.URI;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This replica's subscription to {@code <prefix>freed}, where the lease script announces budget freed for a replica
 * that has waiters ({@code <replica> <deployment> <tokens>}): messages for this replica go to its listener; and to
 * {@code <prefix>breaker}, where replicas tell each other of their breakers ({@link RedisSignals}): every message there
 * goes to {@code onSignal}. The subscription is kept: a lost one is opened again every second until it holds or the
 * channel is closed.
 */
final class FreedChannel {
  private static final Logger LOG = LoggerFactory.getLogger(FreedChannel.class);

  private final Vertx vertx;
  private final RedisConfig config;
  private final String redactedUrl;
  private final String channel;
  private final String instanceId;
  private final FreedListener listener;
  private final String signalChannel;
  private final Consumer<String> onSignal;
  private final AtomicBoolean resubscribeScheduled = new AtomicBoolean();
  private Redis subscriberClient;
  private int subscriberEndpoint;
  private volatile RedisConnection subscriber;
  /** The subscribe in progress, so a probe and the resubscribe timer never open two subscriptions. */
  private Future<Void> subscribing;
  private volatile boolean closed;

  FreedChannel(Vertx vertx, RedisConfig config, String channel, String instanceId, FreedListener listener, String signalChannel,
      Consumer<String> onSignal) {
    this.vertx = vertx;
    this.config = config;
    this.redactedUrl = RedisUrls.redact(config.url());
    this.channel = channel;
    this.instanceId = instanceId;
    this.listener = listener;
    this.signalChannel = signalChannel;
    this.onSignal = onSignal;
  }

  /** Whether the subscription is currently established. */
  boolean subscribed() {
    return subscriber != null;
  }

  /** Stops resubscribing and closes the subscription and its client; never fails. */
  Future<Void> close() {
    closed = true;
    RedisConnection sub = subscriber;
    subscriber = null;
    return (sub == null ? Future.<Void>succeededFuture() : sub.close().otherwiseEmpty())
        .compose(v -> subscriberClient == null ? Future.<Void>succeededFuture() : subscriberClient.close().otherwiseEmpty());
  }

  /**
   * Pub/sub needs a connection of its own. In a cluster a PUBLISH reaches every node, so any one endpoint will do
   * (the next one after a failure).
   */
  private synchronized Redis subscriberClient() {
    if (subscriberClient == null) {
      RedisConfig sub = config;
      if (config.type() == RedisConfig.Type.CLUSTER) {
        URI node = config.endpoints().get(subscriberEndpoint % config.endpoints().size());
        sub = new RedisConfig(RedisConfig.Type.STANDALONE, List.of(node), null, config.timeoutMs(), config.connectTimeoutMs(),
            config.localShare(), config.failuresToDown(), config.onUnavailable());
      }
      subscriberClient = RedisLink.createClient(vertx, sub, 1);
    }
    return subscriberClient;
  }

  synchronized Future<Void> subscribe() {
    if (subscriber != null || closed) {
      return Future.succeededFuture();
    }
    if (subscribing != null && !subscribing.isComplete()) {
      return subscribing;
    }
    subscribing = subscriberClient().connect().compose(conn -> {
      conn.handler(this::onPush);
      conn.exceptionHandler(e -> lost(conn));
      conn.endHandler(v -> lost(conn));
      return conn.send(Request.cmd(Command.SUBSCRIBE).arg(channel))
          .compose(r -> conn.send(Request.cmd(Command.SUBSCRIBE).arg(signalChannel)))
          .onSuccess(r -> {
            subscriber = conn;
            if (closed) {
              conn.close();
            }
          })
          .onFailure(e -> conn.close())
          .<Void>mapEmpty();
    }).onFailure(e -> rotateSubscriberEndpoint());
    return subscribing;
  }

  private synchronized void rotateSubscriberEndpoint() {
    if (config.type() == RedisConfig.Type.CLUSTER && subscriberClient != null) {
      subscriberClient.close();
      subscriberClient = null;
      subscriberEndpoint++;
    }
  }

  /** "{@code <replica> <deployment> <tokens>}": budget freed for this replica's waiters; or a breaker signal. */
  private void onPush(Response r) {
    if (r == null || r.size() < 3 || !"message".equals(r.get(0).toString())) {
      return;
    }
    if (signalChannel.equals(r.get(1).toString())) {
      onSignal.accept(r.get(2).toString());
      return;
    }
    String[] parts = r.get(2).toString().split(" ");
    if (parts.length != 3 || !parts[0].equals(instanceId)) {
      return;
    }
    try {
      listener.freed(parts[1], Long.parseLong(parts[2]));
    } catch (NumberFormatException ignored) {
      // not ours
    }
  }

  private void lost(RedisConnection conn) {
    if (subscriber == conn) {
      subscriber = null;
      conn.close();
    }
    rotateSubscriberEndpoint();
    scheduleResubscribe();
  }

  private void scheduleResubscribe() {
    if (closed || !resubscribeScheduled.compareAndSet(false, true)) {
      return;
    }
    vertx.setTimer(1000, t -> {
      resubscribeScheduled.set(false);
      if (closed || subscriber != null) {
        return;
      }
      subscribe().timeout(config.connectTimeoutMs(), TimeUnit.MILLISECONDS).onFailure(e -> {
        LOG.debug("budget freed channel: resubscribe to {} failed: {}", redactedUrl, e.toString());
        scheduleResubscribe();
      });
    });
  }
}
