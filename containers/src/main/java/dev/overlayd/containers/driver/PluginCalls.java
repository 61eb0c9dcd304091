package dev.overlayd.containers.driver;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The calls of overlayd's plugin socket by path: Plugin.Activate, which names both protocols
 * served, the authorization plugin's (whose start requests may be answered later), and the network
 * driver's. Nothing here touches HTTP itself.
 */
final class PluginCalls {
    static final int OK = 200;
    static final List<String> IMPLEMENTS = List.of("NetworkDriver", "authz");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** An answer: an HTTP status and the JSON body. */
    record Answer(int status, byte[] body) {}

    private final DriverCalls driver;
    private final AuthZCalls authz;

    PluginCalls(DriverCalls driver, AuthZCalls authz) {
        this.driver = driver;
        this.authz = authz;
    }

    CompletionStage<Answer> answer(String path, byte[] body) {
        return switch (path) {
            case "/Plugin.Activate" -> CompletableFuture.completedFuture(activate());
            case AuthZApi.REQUEST -> authz.request(body);
            case AuthZApi.RESPONSE -> CompletableFuture.completedFuture(authz.response());
            default -> CompletableFuture.completedFuture(driver.answer(path, body));
        };
    }

    private static Answer activate() {
        try {
            return new Answer(OK, JSON.writeValueAsBytes(new RemoteApi.Activate(IMPLEMENTS)));
        } catch (JacksonException e) {
            throw new IllegalStateException("a list of strings always serializes", e);
        }
    }
}
