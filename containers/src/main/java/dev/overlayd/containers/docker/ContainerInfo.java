package dev.overlayd.containers.docker;

import java.net.InetAddress;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * What /containers/{id}/json says of a container, as far as attaching and registering it go: its
 * id, name (without Docker's leading slash), labels, network mode (HostConfig.NetworkMode:
 * "default", "bridge", "host", "none", "container:ID" or a network's name), state ("created",
 * "running", "exited", ...), the networks it is connected to with the IPv4 address asked for or
 * given on each (null while none is known), and when it last started (null: never). For service
 * registration also: the image as it was asked for (Config.Image), the environment (Config.Env, a
 * name without '=' left out), the exposed ports as Docker writes them ("8080/tcp"), Docker's health
 * ("starting", "healthy", "unhealthy"; null without a health check), and the address each network
 * has given it now (NetworkSettings.Networks.*.IPAddress, only those that have).
 */
public record ContainerInfo(String id, String name, Map<String, String> labels, String networkMode, String state,
                            Map<String, InetAddress> networks, Instant startedAt, String image, Map<String, String> env,
                            List<String> exposedPorts, String health, Map<String, InetAddress> addresses) {
    public ContainerInfo {
        labels = Map.copyOf(labels);
        networks = Collections.unmodifiableMap(new LinkedHashMap<>(networks));
        env = Map.copyOf(env);
        exposedPorts = List.copyOf(exposedPorts);
        addresses = Collections.unmodifiableMap(new LinkedHashMap<>(addresses));
    }

    /** What is known without an inspect (a create event's attributes): no image, environment, ports, health or addresses. */
    public ContainerInfo(String id, String name, Map<String, String> labels, String networkMode, String state,
                         Map<String, InetAddress> networks, Instant startedAt) {
        this(id, name, labels, networkMode, state, networks, startedAt, "", Map.of(), List.of(), null, Map.of());
    }

    static ContainerInfo from(JsonNode json) {
        JsonNode config = json.path("Config");
        Map<String, String> labels = new LinkedHashMap<>();
        config.path("Labels").properties().forEach(e -> labels.put(e.getKey(), e.getValue().asText()));
        Map<String, String> env = new LinkedHashMap<>();
        config.path("Env").forEach(entry -> {
            String text = entry.asText("");
            int equals = text.indexOf('=');
            if (equals > 0) {
                env.put(text.substring(0, equals), text.substring(equals + 1));
            }
        });
        List<String> exposed = new ArrayList<>();
        config.path("ExposedPorts").properties().forEach(e -> exposed.add(e.getKey()));
        Map<String, InetAddress> networks = new LinkedHashMap<>();
        Map<String, InetAddress> addresses = new LinkedHashMap<>();
        json.path("NetworkSettings").path("Networks").properties().forEach(e -> {
            // The requested address is in IPAMConfig from the connect on; IPAddress only once it runs.
            String requested = e.getValue().path("IPAMConfig").path("IPv4Address").asText("");
            InetAddress given = Addresses.parseOrNull(e.getValue().path("IPAddress").asText(""));
            networks.put(e.getKey(), requested.isEmpty() ? given : Addresses.parseOrNull(requested));
            if (given != null) {
                addresses.put(e.getKey(), given);
            }
        });
        String name = json.path("Name").asText("");
        JsonNode health = json.path("State").path("Health").path("Status");
        return new ContainerInfo(json.path("Id").asText(), name.startsWith("/") ? name.substring(1) : name, labels,
                json.path("HostConfig").path("NetworkMode").asText("default"), json.path("State").path("Status").asText(""),
                networks, startedAt(json.path("State").path("StartedAt").asText("")), config.path("Image").asText(""),
                env, exposed, health.isTextual() && !health.asText().isEmpty() ? health.asText() : null, addresses);
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
