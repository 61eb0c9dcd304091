package dev.overlayd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** overlayctl token against a fake daemon: the control commands it sends, and what it prints of the replies. */
class TokenCommandsTest {
    private final FakeDaemon control;

    TokenCommandsTest(@TempDir Path temp) {
        control = new FakeDaemon(temp);
    }



    private static String sent(CompletableFuture<String> daemon) throws Exception {
        return daemon.get(5, TimeUnit.SECONDS);
    }

    @Test
    void createSendsTtlUsesAndGroupsAndPrintsTheTokenAlone() throws Exception {
        String token = "ovl1.0a1b2c3d." + "A".repeat(43) + "." + "ab".repeat(32) + ".web1";
        CompletableFuture<String> daemon = control.answer("{\"token\": \"" + token + "\", \"id\": \"0a1b2c3d\", \"expires\": 1800000000}");
        assertEquals(0, control.overlayctl("token", "create", "--ttl", "2h", "--uses", "0", "--group", "web", "--group", "eu"));
        String line = sent(daemon);
        assertTrue(line.startsWith("token-create ") && line.endsWith("\n"), line);
        JsonNode argument = new ObjectMapper().readTree(line.substring("token-create ".length()));
        assertEquals(7200, argument.get("ttl").asLong());
        assertEquals(0, argument.get("uses").asInt());
        assertEquals(List.of("web", "eu"), List.of(argument.get("groups").get(0).asText(), argument.get("groups").get(1).asText()));
        assertEquals(token + "\n", control.output());
    }

    @Test
    void createDefaultsToOneUseForADay() throws Exception {
        CompletableFuture<String> daemon = control.answer("{\"token\": \"t\", \"id\": \"0a1b2c3d\", \"expires\": 1800000000}");
        assertEquals(0, control.overlayctl("token", "create", "wg0"));
        JsonNode argument = new ObjectMapper().readTree(sent(daemon).substring("token-create ".length()));
        assertEquals(86_400, argument.get("ttl").asLong());
        assertEquals(1, argument.get("uses").asInt());
        assertEquals(0, argument.get("groups").size());
    }

    @Test
    void createRefusesBadArgumentsBeforeAskingTheDaemon() {
        assertEquals(1, control.overlayctl("token", "create", "--ttl", "soon"));
        assertEquals(1, control.overlayctl("token", "create", "--uses", "-1"));
        assertEquals(1, control.overlayctl("token", "create", "--group", "bad group"));
        assertEquals(1, control.overlayctl("token", "create", "--ttl", "0s"));
    }

    @Test
    void listShowsEachTokensStateWithoutSecrets() throws Exception {
        long now = Instant.now().getEpochSecond();
        CompletableFuture<String> daemon = control.answer(("{\"tokens\": ["
                + "{\"id\": \"0a1b2c3d\", \"created\": %d, \"expires\": %d, \"uses\": 0, \"used\": 3, \"groups\": [\"web\"], \"revoked\": false},"
                + "{\"id\": \"11111111\", \"created\": %d, \"expires\": %d, \"uses\": 1, \"used\": 1, \"groups\": [], \"revoked\": false},"
                + "{\"id\": \"22222222\", \"created\": %d, \"expires\": %d, \"uses\": 1, \"used\": 0, \"groups\": [], \"revoked\": true}]}")
                .formatted(now, now + 7200 + 30, now, now + 600, now - 100, now - 90));
        assertEquals(0, control.overlayctl("token", "list"));
        assertEquals("token-list\n", sent(daemon));
        List<String> lines = control.output().lines().map(String::strip).toList();
        assertEquals(4, lines.size(), control.output());
        assertTrue(lines.get(0).matches("ID +STATE +USED +EXPIRES +GROUPS"), lines.get(0));
        assertTrue(lines.get(1).matches("0a1b2c3d +usable +3/unlimited +in 2h +web"), lines.get(1));
        assertTrue(lines.get(2).matches("11111111 +used up +1/1 +in \\d+m +-"), lines.get(2));
        assertTrue(lines.get(3).matches("22222222 +revoked +0/1 +\\d+m ago +-"), lines.get(3));
    }

    @Test
    void listJsonIsTheTokens() throws Exception {
        CompletableFuture<String> daemon = control.answer("{\"tokens\": [{\"id\": \"0a1b2c3d\", \"created\": 1, \"expires\": 2,"
                + " \"uses\": 1, \"used\": 0, \"groups\": [], \"revoked\": false}]}");
        assertEquals(0, control.overlayctl("token", "list", "--json", "wg0"));
        sent(daemon);
        JsonNode json = new ObjectMapper().readTree(control.output());
        assertEquals("0a1b2c3d", json.get("tokens").get(0).get("id").asText());
        assertEquals(2, json.get("tokens").get(0).get("expires").asLong());
    }

    @Test
    void revokeSaysWhetherThereWasSuchAToken() throws Exception {
        CompletableFuture<String> daemon = control.answer("{\"revoked\": true}");
        assertEquals(0, control.overlayctl("token", "revoke", "0a1b2c3d"));
        assertEquals("token-revoke 0a1b2c3d\n", sent(daemon));
        assertEquals("wg0: token 0a1b2c3d revoked\n", control.output());

        daemon = control.answer("{\"revoked\": false}");
        assertEquals(1, control.overlayctl("token", "revoke", "0a1b2c3d", "wg0"));
        sent(daemon);
        assertEquals(1, control.overlayctl("token", "revoke", "not-an-id"));
    }
}
