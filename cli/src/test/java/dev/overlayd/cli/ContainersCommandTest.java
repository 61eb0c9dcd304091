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

/** `overlayctl containers` against a control socket that answers as the containers plugin does. */
class ContainersCommandTest {
    private final FakeDaemon control;

    ContainersCommandTest(@TempDir Path temp) {
        control = new FakeDaemon(temp);
    }



    private static String reply(long since) {
        return """
                {"network": "overlay", "subnet": "100.64.1.0/24", "docker": "connected (API 1.41)",
                 "attached": [{"name": "web", "id": "0123456789abcdef0123", "address": "100.64.1.2", "state": "running", "since": %d}],
                 "skipped": [{"name": "db", "id": "fedcba9876543210", "reason": "opted out by label dev.overlayd.attach=false", "since": %d}]}
                """.formatted(since, since);
    }

    @Test
    void aTableOfTheAttachedThenTheSkippedWithTheirReasons() throws Exception {
        CompletableFuture<String> asked = control.answer(reply(Instant.now().getEpochSecond() - 300));
        assertEquals(0, control.overlayctl("containers"));
        assertEquals("containers\n", asked.get());
        String table = control.output();
        assertTrue(table.startsWith("wg0: network overlay (100.64.1.0/24), docker connected (API 1.41), 1 attached, 1 skipped\n"), table);
        assertTrue(table.matches("(?s).*\n  NAME +ID +ADDRESS +STATE +SINCE\n  web +0123456789ab +100\\.64\\.1\\.2 +running +5m ago\n.*"), table);
        assertTrue(table.matches("(?s).*  skipped:\n  NAME +ID +SINCE +REASON\n  db +fedcba987654 +5m ago +opted out by label dev.overlayd.attach=false\n"), table);
    }

    @Test
    void jsonKeepsEveryFieldWithTheInterface() throws Exception {
        control.answer(reply(1700000000));
        assertEquals(0, control.overlayctl("containers", "--json"));
        JsonNode json = new ObjectMapper().readTree(control.output());
        assertEquals("wg0", json.get(0).get("interfaceName").asText());
        assertEquals("0123456789abcdef0123", json.get(0).get("attached").get(0).get("id").asText());
        assertEquals(1700000000, json.get(0).get("skipped").get(0).get("since").asLong());
    }
}
