package dev.overlayd.containers.docker;

import java.net.InetAddress;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * What /containers/{id}/json says of a container, as far as attaching it goes: its id, name (without
 * Docker's leading slash), labels, network mode (HostConfig.NetworkMode: "default", "bridge", "host",
 * "none", "container:ID" or a network's name), state ("created", "running", "exited", ...), and the
 * networks it is connected to with the IPv4 address on each (null while none is known), and when it
 * last started (null: never).
 */
public record ContainerInfo(String id, String name, Map<String, String> labels, String networkMode, String state,
                            Map<String, InetAddress> networks, Instant startedAt) {
    public ContainerInfo {
        labels = Map.copyOf(labels);
        networks = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(networks));
    }

    static ContainerInfo from(JsonNode json) {
        Map<String, String> labels = new LinkedHashMap<>();
        json.path("Config").path("Labels").properties().forEach(e -> labels.put(e.getKey(), e.getValue().asText()));
        Map<String, InetAddress> networks = new LinkedHashMap<>();
        json.path("NetworkSettings").path("Networks").properties().forEach(e -> {
            // The requested address is in IPAMConfig from the connect on; IPAddress only once it runs.
            String requested = e.getValue().path("IPAMConfig").path("IPv4Address").asText("");
            networks.put(e.getKey(), Addresses.parseOrNull(requested.isEmpty()
                    ? e.getValue().path("IPAddress").asText("") : requested));
        });
        String name = json.path("Name").asText("");
        return new ContainerInfo(json.path("Id").asText(), name.startsWith("/") ? name.substring(1) : name, labels,
                json.path("HostConfig").path("NetworkMode").asText("default"), json.path("State").path("Status").asText(""),
                networks, startedAt(json.path("State").path("StartedAt").asText("")));
    }

    /** Docker says "0001-01-01T00:00:00Z" for a container that never ran. */
    private static Instant startedAt(String text) {
        try {
            Instant at = Instant.parse(text);
            return at.getEpochSecond() <= 0 ? null : at;
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
