package dev.modelmux.server;

import dev.modelmux.api.ClientAuth;
import dev.modelmux.interactions.InteractionLog;
import dev.modelmux.prompts.PromptRepository;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerRequest;
import java.util.Optional;

/**
 * What the HTTP fronts share beside the gateway's own collaborators ({@link dev.modelmux.dispatch.Shared}): the door
 * (keys, load shedding, the bodies' memory), the drain and readiness, and the operator's features.
 *
 * @param emulatorControls the embedded emulator's control endpoints, when one runs
 * @param prompts the prompt repository, when one is configured
 * @param interactions the interaction log, when one is configured (and its store could be opened)
 */
record ServerParts(ClientAuth auth, LoadShedder shedder, BodyBudget bodies, Drain drain, Readiness readiness,
    Optional<Handler<HttpServerRequest>> emulatorControls, Optional<PromptRepository> prompts,
    Optional<InteractionLog> interactions) {}
