package dev.overlayd.containers.docker;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * What /networks/{id} says of a network: id, name, driver, the subnets of its IPAM config, and the
 * containers with an endpoint on it now (by id, with their IPv4 address; a created container that
 * has not started has no endpoint yet, so it is not here).
 */
public record NetworkInfo(String id, String name, String driver, List<String> subnets, Map<String, InetAddress> containers) {
    public NetworkInfo {
        subnets = List.copyOf(subnets);
        containers = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(containers));
    }

    static NetworkInfo from(JsonNode json) {
        List<String> subnets = new ArrayList<>();
        json.path("IPAM").path("Config").forEach(c -> subnets.add(c.path("Subnet").asText()));
        Map<String, InetAddress> containers = new LinkedHashMap<>();
        json.path("Containers").properties().forEach(e ->
                containers.put(e.getKey(), Addresses.parseOrNull(e.getValue().path("IPv4Address").asText(""))));
        return new NetworkInfo(json.path("Id").asText(), json.path("Name").asText(), json.path("Driver").asText(),
                subnets, containers);
    }
}
