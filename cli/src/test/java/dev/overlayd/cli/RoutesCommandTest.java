package dev.overlayd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.overlayd.node.control.ControlProtocol;
import dev.overlayd.routing.proxy.RoutesStatus;
import dev.overlayd.routing.proxy.RoutesStatus.Copy;
import dev.overlayd.routing.proxy.RoutesStatus.Route;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `overlayctl routes` against a control socket that answers with the proxy's own status, as the node writes it. */
class RoutesCommandTest {
    private static final RoutesStatus STATUS = new RoutesStatus("h1", List.of(
            new Route("api.example.com", "/v1", "api", "labels", 120, 2, List.of(
                    new Copy("h1:0123456789ab:8080", "h1", "100.64.1.2:8080", "passing", 1, 70, 0, 0),
                    new Copy("h2:fedcba987654:8080", "h2", "100.64.2.3:8080", "ejected", 0, 50, 2, 12_300))),
            new Route(null, "/", "web", "overlay.yaml", 0, 0, List.of())));

    private final FakeDaemon control;

    RoutesCommandTest(@TempDir Path temp) {
        control = new FakeDaemon(temp);
    }

    private CompletableFuture<String> daemon() throws Exception {
        return control.answer(ControlProtocol.JSON.writeValueAsString(STATUS));
    }

    @Test
    void eachRuleThenItsCopiesWithHealthInFlightAndEjection() throws Exception {
        CompletableFuture<String> asked = daemon();
        assertEquals(0, control.overlayctl("routes"));
        assertEquals("routes\n", asked.get());
        String table = control.output();
        assertTrue(table.startsWith("wg0: node h1, 2 rules, 2 copies\n"), table);
        assertTrue(table.contains("\n  api.example.com/v1 -> api (labels): 120 requests, 2 errors\n"
                + "    ID                    NODE  ADDRESS          HEALTH   IN-FLIGHT  REQUESTS  ERRORS  EJECTED FOR\n"), table);
        assertTrue(table.matches("(?s).*\n    h1:0123456789ab:8080 +h1 +100\\.64\\.1\\.2:8080 +passing +1 +70 +0 +-\n.*"), table);
        assertTrue(table.matches("(?s).*\n    h2:fedcba987654:8080 +h2 +100\\.64\\.2\\.3:8080 +ejected +0 +50 +2 +13s\n.*"), table);
        assertTrue(table.endsWith("\n  */ -> web (overlay.yaml): 0 requests, 0 errors\n    no copy: requests get 503\n"), table);
    }

    @Test
    void aServiceNamedShowsItsRulesAlone() throws Exception {
        daemon();
        assertEquals(0, control.overlayctl("routes", "web", "-i", "wg0"));
        String table = control.output();
        assertTrue(table.startsWith("wg0: node h1, 1 rule of service web, 0 copies\n"), table);
        assertFalse(table.contains("api"), table);
    }

    @Test
    void jsonKeepsEveryFieldWithTheInterface() throws Exception {
        daemon();
        assertEquals(0, control.overlayctl("routes", "--json"));
        JsonNode json = new ObjectMapper().readTree(control.output());
        assertEquals("wg0", json.get(0).get("interfaceName").asText());
        assertEquals("h1", json.get(0).get("node").asText());
        JsonNode copy = json.get(0).get("routes").get(0).get("copies").get(1);
        assertEquals("ejected", copy.get("health").asText());
        assertEquals(12_300, copy.get("ejectedForMs").asLong());
        assertTrue(json.get(0).get("routes").get(1).get("host").isNull(), "any host");
    }
}
