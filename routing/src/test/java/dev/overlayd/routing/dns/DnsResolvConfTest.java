package dev.overlayd.routing.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The host's resolvers as the default upstreams, never the server itself. */
class DnsResolvConfTest {
    @TempDir
    Path dir;

    private List<InetSocketAddress> parse(String text, InetSocketAddress listen) throws IOException {
        Path file = dir.resolve("resolv.conf");
        Files.writeString(file, text);
        return ResolvConf.nameservers(file, listen);
    }

    private static InetSocketAddress at(String address, int port) {
        return new InetSocketAddress(DnsServerTest.addr(address), port);
    }

    @Test
    void readsTheNameserversInOrder() throws IOException {
        assertEquals(List.of(at("198.18.0.1", 53), at("198.18.0.2", 53)),
                parse("# host\nsearch example.test\nnameserver 198.18.0.1\noptions ndots:2\nnameserver 198.18.0.2\n",
                        at("100.64.0.1", 53)));
    }

    @Test
    void leavesOutTheListeningAddress() throws IOException {
        String text = "nameserver 100.64.0.1\nnameserver 127.0.0.1\nnameserver 198.18.0.1\n";
        assertEquals(List.of(at("127.0.0.1", 53), at("198.18.0.1", 53)), parse(text, at("100.64.0.1", 53)));
        // 100.64.0.1 is no address of this host, loopback is.
        assertEquals(List.of(at("100.64.0.1", 53), at("198.18.0.1", 53)), parse(text, at("0.0.0.0", 53)),
                "a wildcard listens on loopback too");
        assertEquals(List.of(at("100.64.0.1", 53), at("127.0.0.1", 53), at("198.18.0.1", 53)),
                parse(text, at("100.64.0.1", 5353)), "another port is another server");
    }

    @Test
    void noneWithoutNameserversOrFile() throws IOException {
        assertEquals(List.of(), parse("search example.test\n", at("100.64.0.1", 53)));
        assertEquals(List.of(), ResolvConf.nameservers(dir.resolve("missing"), at("100.64.0.1", 53)));
    }
}
