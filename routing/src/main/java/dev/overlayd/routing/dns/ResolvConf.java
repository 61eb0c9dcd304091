package dev.overlayd.routing.dns;

import io.netty.resolver.dns.DnsServerAddressStream;
import io.netty.resolver.dns.UnixResolverDnsServerAddressStreamProvider;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The host's resolvers, the default upstreams, from {@code resolv.conf} as Netty's resolver reads
 * it. Our own listening address is left out: forwarding to ourselves would loop each query until
 * the forward bound is hit.
 */
public final class ResolvConf {
    public static final Path DEFAULT = Path.of("/etc/resolv.conf");

    private ResolvConf() {}

    /** The {@code nameserver}s of {@code file} in its order, without {@code listen}; none when the file has none. */
    public static List<InetSocketAddress> nameservers(Path file, InetSocketAddress listen) throws IOException {
        if (!Files.isRegularFile(file) || Files.readAllLines(file).stream().map(String::strip)
                .noneMatch(line -> line.startsWith("nameserver"))) {
            return List.of();
        }
        DnsServerAddressStream stream;
        try {
            stream = new UnixResolverDnsServerAddressStreamProvider(file.toFile()).nameServerAddressStream("");
        } catch (IllegalArgumentException e) {
            throw new IOException(file + " has no usable nameserver: " + e.getMessage(), e);
        }
        List<InetSocketAddress> servers = new ArrayList<>();
        for (int i = stream.size(); i > 0; i--) {
            InetSocketAddress server = stream.next();
            if (!isUs(server, listen) && !servers.contains(server)) {
                servers.add(server);
            }
        }
        return List.copyOf(servers);
    }

    /** Whether a query sent to {@code server} reaches a server listening on {@code listen}. */
    static boolean isUs(InetSocketAddress server, InetSocketAddress listen) {
        if (server.getPort() != listen.getPort()) {
            return false;
        }
        InetAddress address = server.getAddress();
        if (address.equals(listen.getAddress())) {
            return true;
        }
        return listen.getAddress().isAnyLocalAddress() && isLocal(address);
    }

    private static boolean isLocal(InetAddress address) {
        if (address.isLoopbackAddress() || address.isAnyLocalAddress()) {
            return true;
        }
        try {
            return NetworkInterface.getByInetAddress(address) != null;
        } catch (SocketException e) {
            return false;
        }
    }
}
