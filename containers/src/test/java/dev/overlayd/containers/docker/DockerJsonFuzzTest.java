package dev.overlayd.containers.docker;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;

/**
 * What dockerd says, read as the client reads it: a line of /events becomes a {@link DockerEvent}
 * and a /containers/{id}/json a {@link ContainerInfo}, whatever shape the JSON has (a field of
 * another type, missing, null): text that is not JSON is the only failure, and every field is
 * there (empty, not null, but for the documented nulls; the maps refuse null on their own) for the
 * attach agent and the registration.
 */
class DockerJsonFuzzTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @FuzzTest
    void eventsAndInspects(byte[] input) {
        JsonNode json;
        try {
            json = JSON.readTree(new String(input, StandardCharsets.UTF_8));
        } catch (JacksonException e) {
            return;
        }
        if (json == null) {
            return;
        }
        DockerEvent event = DockerEvent.from(json);
        assertNotNull(event.type());
        assertNotNull(event.action());
        assertNotNull(event.id());
        ContainerInfo info = ContainerInfo.from(json);
        assertNotNull(info.id());
        assertNotNull(info.name());
        assertNotNull(info.networkMode());
        assertNotNull(info.state());
        assertNotNull(info.image());
        assertFalse(info.env().containsKey(""));
    }
}
