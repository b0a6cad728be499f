package dev.modelmux.server;

import dev.modelmux.api.ClientAuth;
import dev.modelmux.interactions.InteractionLog;
import dev.modelmux.prompts.PromptRepository;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerRequest;

/**
 * What the HTTP fronts share beside the gateway's own collaborators ({@link dev.modelmux.dispatch.Shared}): the door
 * (keys, load shedding, the bodies' memory), the drain and readiness, and the operator's features.
 *
 * @param emulatorControls the embedded emulator's control endpoints, or null when none runs
 * @param prompts the prompt repository, or null when none is configured
 * @param interactions the interaction log, or null when none is configured (or its store could not be opened)
 */
record ServerParts(ClientAuth auth, LoadShedder shedder, BodyBudget bodies, Drain drain, Readiness readiness,
    Handler<HttpServerRequest> emulatorControls, PromptRepository prompts, InteractionLog interactions) {}
