package dev.overlayd.containers.attach;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Collection;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.logging.Logger;
import com.fasterxml.jackson.core.JacksonException;
import com.google.common.net.InetAddresses;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.overlayd.peers.IpPrefix;

/**
 * Each container's overlay address, from the node's container subnet, kept in a file of the
 * plugin's state directory: a container keeps its address for as long as it exists (across its
 * restarts and overlayd's), and the address is free again once the container is removed. Never
 * handed out: the subnet's network and broadcast addresses and the node's own address.
 */
public final class AddressAllocator {
    private static final Logger LOG = Logger.getLogger(AddressAllocator.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();

    private final IpPrefix subnet;
    private final InetAddress node;
    private final Path file;
    /** Container id → address. */
    private final Map<String, InetAddress> allocations = new TreeMap<>();

    /** Loads the allocations saved in {@code file} (none when it does not exist); those outside {@code subnet} are dropped. */
    public AddressAllocator(IpPrefix subnet, InetAddress node, Path file) throws IOException {
        if (!subnet.isIpv4() || subnet.bits() > 30) {
            throw new IllegalArgumentException("container subnet " + subnet + " must be IPv4 with room for hosts (/30 or wider)");
        }
        this.subnet = subnet;
        this.node = node;
        this.file = file;
        load();
    }

    public synchronized Optional<InetAddress> addressOf(String container) {
        return Optional.ofNullable(allocations.get(container));
    }

    public synchronized Map<String, InetAddress> allocations() {
        return Map.copyOf(allocations);
    }

    /**
     * The container's address: the one it has, or the lowest free one, skipping {@code inUse} (what
     * Docker reports on the network that this allocator did not hand out).
     */
    public synchronized InetAddress allocate(String container, Collection<InetAddress> inUse)
            throws SubnetExhaustedException, IOException {
        InetAddress had = allocations.get(container);
        if (had != null) {
            return had;
        }
        Set<InetAddress> taken = new HashSet<>(allocations.values());
        taken.addAll(inUse);
        taken.add(node);
        long first = toLong(subnet.inetAddress());
        long hosts = 1L << (32 - subnet.bits());
        for (long i = 1; i < hosts - 1; i++) {
            InetAddress candidate = fromLong(first + i);
            if (!taken.contains(candidate)) {
                allocations.put(container, candidate);
                save();
                return candidate;
            }
        }
        throw new SubnetExhaustedException("container subnet " + subnet + " is exhausted (every address is held by a container)");
    }

    /** Records the address Docker says a container has on the overlay (one attached before this allocator knew it). */
    public synchronized void adopt(String container, InetAddress address) throws IOException {
        if (address != null && !address.equals(allocations.get(container)) && subnet.contains(address.getAddress())) {
            allocations.put(container, address);
            save();
        }
    }

    /** The container is removed: its address is free. */
    public synchronized void release(String container) throws IOException {
        if (allocations.remove(container) != null) {
            save();
        }
    }

    /** Frees the addresses of every container not in {@code existing} (removed while the agent was not watching). */
    public synchronized void retainOnly(Set<String> existing) throws IOException {
        if (allocations.keySet().retainAll(existing)) {
            save();
        }
    }

    private void load() throws IOException {
        if (!Files.exists(file)) {
            return;
        }
        try {
            JSON.readTree(file.toFile()).path("allocations").properties().forEach(e -> {
                InetAddress address = parse(e.getValue().asText());
                if (address != null && subnet.contains(address.getAddress())) {
                    allocations.put(e.getKey(), address);
                } else {
                    LOG.warning("containers: dropped the saved address '" + e.getValue().asText() + "' of container "
                            + e.getKey() + ": not in the container subnet " + subnet);
                }
            });
        } catch (JacksonException e) {
            throw new IOException(file + " is not the allocations overlayd wrote: " + e.getOriginalMessage());
        }
    }

    /** Written whole to a temporary file, then renamed over the old one: a crash leaves the old or the new, never half. */
    private void save() throws IOException {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode saved = root.putObject("allocations");
        allocations.forEach((id, address) -> saved.put(id, address.getHostAddress()));
        Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
        Files.write(temporary, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root));
        Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static InetAddress parse(String text) {
        return InetAddresses.isInetAddress(text) ? InetAddresses.forString(text) : null;
    }

    private static long toLong(InetAddress address) {
        byte[] b = address.getAddress();
        return ((b[0] & 0xffL) << 24) | ((b[1] & 0xffL) << 16) | ((b[2] & 0xffL) << 8) | (b[3] & 0xffL);
    }

    private static InetAddress fromLong(long value) {
        try {
            return Inet4Address.getByAddress(new byte[] {(byte) (value >>> 24), (byte) (value >>> 16), (byte) (value >>> 8), (byte) value});
        } catch (UnknownHostException e) {
            throw new AssertionError("four bytes are an IPv4 address", e);
        }
    }
}
