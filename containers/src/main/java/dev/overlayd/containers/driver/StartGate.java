package dev.overlayd.containers.driver;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * What a container's start waits for when overlayd is dockerd's authorization plugin: the attach
 * agent having dealt with that container (connected it, skipped it, or failed at it). The stage
 * failing is a failure of the agent's, said and then let through like any other.
 */
@FunctionalInterface
public interface StartGate {
    /** Nothing to wait for: a driver without an agent. */
    StartGate OPEN = idOrName -> CompletableFuture.completedFuture(null);

    /** Completes once the container named by its id or its name (as the start's URL has it) may start. */
    CompletionStage<?> ready(String idOrName);
}
