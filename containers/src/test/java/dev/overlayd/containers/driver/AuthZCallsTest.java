package dev.overlayd.containers.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The authorization plugin's answers: always an Allow, a start's only once the gate lets it through (or gives up). */
class AuthZCallsTest {
    private static final String ALLOW = "{\"Allow\":true,\"Msg\":\"\",\"Err\":\"\"}";

    private final List<String> asked = new ArrayList<>();
    private final List<String> logged = new ArrayList<>();
    private CompletableFuture<Void> gate = new CompletableFuture<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            synchronized (logged) {
                logged.add(new java.util.logging.SimpleFormatter().formatMessage(record));
            }
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    };

    @BeforeEach
    void capture() {
        Logger.getLogger(AuthZCalls.class.getName()).addHandler(capture);
    }

    @AfterEach
    void release() {
        Logger.getLogger(AuthZCalls.class.getName()).removeHandler(capture);
    }

    private AuthZCalls calls(Duration wait) {
        return new AuthZCalls(idOrName -> {
            asked.add(idOrName);
            return gate;
        }, wait);
    }

    private static byte[] request(String method, String uri) {
        return ("{\"User\":\"\",\"UserAuthNMethod\":\"\",\"RequestMethod\":\"" + method + "\",\"RequestUri\":\"" + uri
                + "\",\"RequestBody\":\"e30=\",\"RequestHeaders\":{\"Content-Type\":\"application/json\"}}")
                .getBytes(StandardCharsets.UTF_8);
    }

    private static String body(CompletionStage<PluginCalls.Answer> answer) {
        PluginCalls.Answer done = answer.toCompletableFuture().join();
        assertEquals(200, done.status());
        return new String(done.body(), StandardCharsets.UTF_8);
    }

    @Test
    void everyOtherRequestAndEveryResponseIsAllowedAtOnceWithoutAskingTheGate() {
        AuthZCalls calls = calls(Duration.ofSeconds(10));
        assertEquals(ALLOW, body(calls.request(request("GET", "/v1.41/containers/json?all=1"))));
        assertEquals(ALLOW, body(calls.request(request("POST", "/v1.41/networks/n/connect"))));
        assertEquals(ALLOW, body(CompletableFuture.completedFuture(calls.response())));
        assertTrue(asked.isEmpty(), asked.toString());
    }

    @Test
    void aStartIsAnsweredOnlyOnceTheGateHasDealtWithItsContainer() {
        CompletableFuture<PluginCalls.Answer> answer =
                calls(Duration.ofSeconds(10)).request(request("POST", "/v1.41/containers/web/start?detachKeys=x")).toCompletableFuture();
        assertEquals(List.of("web"), asked);
        assertFalse(answer.isDone(), "held while the agent works on it");
        gate.complete(null);
        assertEquals(ALLOW, body(answer));
        assertTrue(logged.isEmpty(), logged.toString());
    }

    @Test
    void aFailedGateIsSaidAndTheStartAllowed() {
        gate.completeExceptionally(new IOException("dockerd went away"));
        assertEquals(ALLOW, body(calls(Duration.ofSeconds(10)).request(request("POST", "/containers/web/start"))));
        assertEquals(1, logged.size(), logged.toString());
        assertTrue(logged.getFirst().contains("start of web allowed, the attach agent failed at it: dockerd went away"), logged.toString());
    }

    @Test
    void aGateThatNeverAnswersIsGivenUpOnSaidAndTheStartAllowed() {
        assertEquals(ALLOW, body(calls(Duration.ofMillis(50)).request(request("POST", "/containers/web/start"))));
        assertEquals(1, logged.size(), logged.toString());
        assertTrue(logged.getFirst().contains("start of web allowed after"), logged.toString());
        assertFalse(gate.isDone(), "the gate's own stage is left alone");
    }

    @Test
    void aMalformedRequestIsAllowedAndSaidOnce() {
        AuthZCalls calls = calls(Duration.ofSeconds(10));
        assertEquals(ALLOW, body(calls.request("not json".getBytes(StandardCharsets.UTF_8))));
        assertEquals(ALLOW, body(calls.request("{\"RequestUri\":\"/containers/web/start\"}".getBytes(StandardCharsets.UTF_8))));
        assertEquals(ALLOW, body(calls.request(new byte[0])));
        assertEquals(3, logged.size(), logged.toString());
        assertTrue(logged.stream().allMatch(l -> l.contains("allowed (overlayd only orders starts")
                || l.contains("malformed request allowed")), logged.toString());
        assertTrue(asked.isEmpty(), asked.toString());
    }
}
