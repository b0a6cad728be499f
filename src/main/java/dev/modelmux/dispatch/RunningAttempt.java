package dev.modelmux.dispatch;

import dev.modelmux.upstream.AttemptResult;
import dev.modelmux.upstream.UpstreamAttempt;
import io.vertx.core.Future;

/** An attempt in flight: the call (so a faster hedge can stop it) and its outcome (settled and measured). */
record RunningAttempt(UpstreamAttempt attempt, Future<AttemptResult> result) {}
