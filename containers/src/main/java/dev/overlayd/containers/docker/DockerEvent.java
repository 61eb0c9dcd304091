package dev.overlayd.containers.docker;

import java.util.LinkedHashMap;
import java.util.Map;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * One line of /events: its type ("container", "network", ...), action ("create", "start", "die",
 * "destroy", ...), the id of what it is about, and the actor's attributes (for a container: its
 * name, image and labels).
 */
public record DockerEvent(String type, String action, String id, Map<String, String> attributes) {
    public DockerEvent {
        attributes = Map.copyOf(attributes);
    }

    static DockerEvent from(JsonNode json) {
        Map<String, String> attributes = new LinkedHashMap<>();
        json.path("Actor").path("Attributes").properties().forEach(e -> attributes.put(e.getKey(), e.getValue().asText()));
        return new DockerEvent(json.path("Type").asText(""), json.path("Action").asText(""),
                json.path("Actor").path("ID").asText(""), attributes);
    }
}
