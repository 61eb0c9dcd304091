package dev.overlayd.containers.driver;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * overlayd as dockerd's authorization plugin, there only to put things in order, never to refuse:
 * every request and response is allowed, and a container's start is allowed only once the
 * {@link StartGate} has dealt with that container, so that its process starts with its overlay
 * interface already there. Nothing else is held: the agent's own calls pass through here too, and
 * holding one would keep the start it waits for from ever being allowed.
 *
 * <p>A failure of the gate, a gate slower than the timeout, and a request that cannot be read are
 * said in one line and allowed: overlayd is not the host's security boundary, and refusing would
 * turn a problem of the overlay into every Docker request failing.
 */
final class AuthZCalls {
    private static final Logger LOG = System.getLogger(AuthZCalls.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    /** Well below dockerd's 30 s for a plugin's answer, and far beyond a connect's 10 ms. */
    static final Duration START_WAIT = Duration.ofSeconds(10);
    private static final PluginCalls.Answer ALLOW;

    static {
        try {
            ALLOW = new PluginCalls.Answer(PluginCalls.OK, JSON.writeValueAsBytes(AuthZApi.Response.ALLOW));
        } catch (JacksonException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final StartGate gate;
    private final Duration wait;

    AuthZCalls(StartGate gate, Duration wait) {
        this.gate = gate;
        this.wait = wait;
    }

    /** The answer to AuthZReq: at once, unless the request is a start; then once its container is ready. */
    CompletionStage<PluginCalls.Answer> request(byte[] body) {
        Optional<String> started = startOf(body);
        if (started.isEmpty()) {
            return CompletableFuture.completedFuture(ALLOW);
        }
        String container = LogText.printable(started.get());
        CompletableFuture<Object> ready;
        try {
            // A stage of our own: the timeout must not complete the gate's.
            ready = gate.ready(started.get()).toCompletableFuture().thenApply(done -> done);
        } catch (RuntimeException e) {
            ready = CompletableFuture.failedFuture(e);
        }
        return ready.orTimeout(wait.toMillis(), TimeUnit.MILLISECONDS).handle((done, failure) -> {
            if (failure != null) {
                Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                        ? failure.getCause() : failure;
                if (cause instanceof TimeoutException) {
                    LOG.log(Level.WARNING, "authorization: start of {0} allowed after {1} s without the attach agent"
                            + " having dealt with it", container, Long.toString(wait.toSeconds()));
                } else {
                    LOG.log(Level.WARNING, "authorization: start of {0} allowed, the attach agent failed at it: {1}",
                            container, LogText.message(cause.getMessage() == null ? cause.toString() : cause.getMessage()));
                }
            }
            return ALLOW;
        });
    }

    /** The answer to AuthZRes: the response is on its way already, nothing to hold. */
    PluginCalls.Answer response() {
        return ALLOW;
    }

    private static Optional<String> startOf(byte[] body) {
        AuthZApi.Request request;
        try {
            request = JSON.readValue(body, AuthZApi.Request.class);
        } catch (IOException e) {
            String why = e instanceof JacksonException j ? j.getOriginalMessage() : e.getMessage();
            LOG.log(Level.WARNING, "authorization: malformed request allowed (overlayd only orders starts, it guards"
                    + " nothing): {0}", LogText.message(why));
            return Optional.empty();
        }
        if (request == null || request.requestMethod() == null || request.requestUri() == null) {
            LOG.log(Level.WARNING, "authorization: request without RequestMethod or RequestUri allowed (overlayd only"
                    + " orders starts, it guards nothing)");
            return Optional.empty();
        }
        return ContainerStart.of(request.requestMethod(), request.requestUri());
    }
}
