package dev.overlayd.containers.driver;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The driver's networks and endpoints, kept in a file because dockerd does not tell a restarted
 * plugin what it had: CreateNetwork is not replayed, and endpoints of containers that died while
 * the plugin was away never get a Leave. Every change is written at once, atomically (a 0600
 * temporary file renamed over the old one), so a crash leaves the old state or the new, never half.
 */
final class DriverState {
    static final String FILE_NAME = "driver.json";
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    /** A network dockerd created on this driver: its pool (the node's container subnet) and gateway (the node's address). */
    record Network(String id, String pool, String gateway) {}

    /**
     * An endpoint: its container's address and the veth pair named after it; {@code joined} once the
     * pair was made, so a pair that is gone later means its container is gone.
     */
    record Endpoint(String id, String network, String address, String hostEnd, String containerEnd, boolean joined) {
        Endpoint withJoined(boolean now) {
            return new Endpoint(id, network, address, hostEnd, containerEnd, now);
        }
    }

    private record Saved(Map<String, Network> networks, Map<String, Endpoint> endpoints) {}

    private final Path file;
    private final Map<String, Network> networks;
    private final Map<String, Endpoint> endpoints;

    private DriverState(Path file, Map<String, Network> networks, Map<String, Endpoint> endpoints) {
        this.file = file;
        this.networks = networks;
        this.endpoints = endpoints;
    }

    /** The state saved in {@code directory} (created 0700 if absent), or an empty one. */
    static DriverState load(Path directory) throws IOException {
        if (!Files.isDirectory(directory)) {
            Files.createDirectories(directory, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        Path file = directory.resolve(FILE_NAME);
        if (!Files.exists(file)) {
            return new DriverState(file, new LinkedHashMap<>(), new LinkedHashMap<>());
        }
        Saved saved;
        try {
            saved = JSON.readValue(file.toFile(), Saved.class);
        } catch (JacksonException e) {
            throw new IOException("the network driver's state " + file + " is not readable JSON ("
                    + e.getOriginalMessage() + "); move it away to start afresh", e);
        }
        return new DriverState(file,
                new LinkedHashMap<>(saved.networks() == null ? Map.of() : saved.networks()),
                new LinkedHashMap<>(saved.endpoints() == null ? Map.of() : saved.endpoints()));
    }

    Map<String, Network> networks() {
        return Map.copyOf(networks);
    }

    Map<String, Endpoint> endpoints() {
        return Map.copyOf(endpoints);
    }

    Network network(String id) {
        return networks.get(id);
    }

    Endpoint endpoint(String id) {
        return endpoints.get(id);
    }

    void put(Network network) throws IOException {
        networks.put(network.id(), network);
        save();
    }

    void put(Endpoint endpoint) throws IOException {
        endpoints.put(endpoint.id(), endpoint);
        save();
    }

    void removeNetwork(String id) throws IOException {
        if (networks.remove(id) != null) {
            save();
        }
    }

    void removeEndpoint(String id) throws IOException {
        if (endpoints.remove(id) != null) {
            save();
        }
    }

    private void save() throws IOException {
        Path temporary = Files.createTempFile(file.getParent(), "." + FILE_NAME + ".",
                ".tmp", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            byte[] bytes = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(new Saved(networks, endpoints));
            try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE)) {
                channel.write(ByteBuffer.wrap(bytes));
                // On disk before the rename makes it the state: a crash must not leave an empty file.
                channel.force(true);
            }
            Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temporary);
        }
    }
}
