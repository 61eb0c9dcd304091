package dev.overlayd.routing.discovery;

import java.io.IOException;
import java.net.InetAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.common.net.InetAddresses;

/**
 * A service instance as a node publishes it, one record per instance (JSON). It carries no node:
 * whose instance it is follows from whose record it is, which the membership backend checked.
 */
public final class InstanceRecord {
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private record Body(String service, String id, String address, int port, String protocol, List<String> tags,
                        String health, long since, List<Route> http) {}

    private record Route(String host, String path) {}

    private InstanceRecord() {}

    /** The record's key: the container's short id, the port and protocol ({@code 3f2a9c1d0b7e:8080/tcp}). */
    public static String key(String containerId, int port, String protocol) {
        return containerId.substring(0, Math.min(12, containerId.length())) + ":" + port + "/" + protocol;
    }

    public static byte[] encode(ServiceInstance instance) {
        try {
            return JSON.writeValueAsBytes(new Body(instance.service(), instance.id(),
                    instance.address().getHostAddress(), instance.port(), instance.protocol(), instance.tags(),
                    instance.health().name().toLowerCase(Locale.ROOT), instance.since().toEpochMilli(),
                    instance.http().isEmpty() ? null : instance.http().stream().map(r -> new Route(r.host(), r.path())).toList()));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The instance in {@code node}'s record; IOException, saying what is wrong, for anything else. */
    public static ServiceInstance decode(String node, byte[] record) throws IOException {
        Body body;
        try {
            body = JSON.readValue(record, Body.class);
        } catch (JsonProcessingException e) {
            throw new IOException("not an instance record: " + e.getOriginalMessage());
        }
        if (body.service() == null || body.id() == null || body.address() == null || body.protocol() == null
                || body.health() == null) {
            throw new IOException("an instance record lacks service, id, address, protocol or health");
        }
        if (!InetAddresses.isInetAddress(body.address())) {
            throw new IOException("an instance record's address is not an IP address: " + body.address());
        }
        if (body.port() < 1 || body.port() > 65535) {
            throw new IOException("an instance record's port is not 1 to 65535: " + body.port());
        }
        Health health;
        try {
            health = Health.valueOf(body.health().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IOException("an instance record's health is not passing, starting or unhealthy: " + body.health());
        }
        List<HttpRoute> http = new ArrayList<>();
        for (Route r : body.http() == null ? List.<Route>of() : body.http()) {
            if (r == null || r.path() == null || !r.path().startsWith("/")) {
                throw new IOException("an instance record's HTTP route has no path beginning with /");
            }
            http.add(new HttpRoute(r.host(), r.path()));
        }
        InetAddress address = InetAddresses.forString(body.address());
        return new ServiceInstance(body.service(), body.id(), address, body.port(), body.protocol(), node,
                body.tags() == null ? List.of() : body.tags(), health, Instant.ofEpochMilli(body.since()), http);
    }
}
