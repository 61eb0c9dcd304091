package dev.overlayd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `overlayctl services` against a control socket that answers as the discovery plugin does. */
class ServicesCommandTest {
    private final FakeDaemon control;

    ServicesCommandTest(@TempDir Path temp) {
        control = new FakeDaemon(temp);
    }



    /** A reply with one instance and, absent as an older daemon may leave them, no skipped, unsettled or refused. */
    private static String reply(long since) {
        return """
                {"node": "node-1", "domain": "overlay", "dns": "100.64.0.1:53",
                 "services": [{"name": "web", "instances": [{"id": "0123abcd-80", "node": "node-2", "address": "100.64.2.2",
                   "port": 80, "protocol": "tcp", "health": "passing", "tags": ["v2"], "since": %d}]}]}
                """.formatted(since);
    }

    @Test
    void aTableOfTheInstancesAndNothingForWhatTheReplyLeftOut() throws Exception {
        CompletableFuture<String> asked = control.answer(reply(Instant.now().getEpochSecond() - 120));
        assertEquals(0, control.overlayctl("services", "web", "-i", "wg0"));
        assertEquals("services web\n", asked.get());
        String table = control.output();
        assertTrue(table.startsWith("wg0: node node-1, 1 service, 1 instance; DNS 100.64.0.1:53, names NAME.service.overlay\n"), table);
        assertTrue(table.matches("(?s).*\n  SERVICE +NODE +ADDRESS +HEALTH +AGE +TAGS +ID\n  web +node-2 +100\\.64\\.2\\.2:80 +passing +2m +v2 +0123abcd-80\n"), table);
    }

    @Test
    void jsonHasTheInterfaceAndEmptyListsWhereTheReplyHadNone() throws Exception {
        control.answer(reply(1700000000));
        assertEquals(0, control.overlayctl("services", "--json"));
        JsonNode json = new ObjectMapper().readTree(control.output());
        assertEquals("wg0", json.get(0).get("interfaceName").asText());
        assertEquals(80, json.get(0).get("services").get(0).get("instances").get(0).get("port").asInt());
        assertTrue(json.get(0).get("skipped").isArray() && json.get(0).get("skipped").isEmpty(), json.toString());
        assertTrue(json.get(0).get("unsettled").isObject() && json.get(0).get("unsettled").isEmpty(), json.toString());
    }
}
