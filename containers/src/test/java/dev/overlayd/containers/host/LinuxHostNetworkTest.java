package dev.overlayd.containers.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.overlayd.testing.Netns;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The host side of container networking for real, in throwaway namespaces: a node whose overlay
 * interface ovt1 leads to a "remote" namespace (another node's containers, 100.64.2.5) and whose
 * ovx0 leads "outside" (198.18.9.2); and two container sandboxes, into which the test moves the
 * veths' container ends and configures them as Docker would after a Join. The node's filter table
 * for iptables is either absent or as dockerd makes it with its default --iptables=true.
 */
class LinuxHostNetworkTest {
    private static final String A = "ovc0000000a";
    private static final String B = "ovc0000000b";

    private Netns node;
    private Netns remote;
    private Netns outside;
    private Netns sandboxA;
    private Netns sandboxB;
    private final LinuxHostNetwork host = new LinuxHostNetwork("ovt1");

    @BeforeEach
    void namespaces() throws IOException {
        node = Netns.create("ovdrv-node-");
        remote = Netns.create("ovdrv-remote-");
        outside = Netns.create("ovdrv-out-");
        sandboxA = Netns.create("ovdrv-ca-");
        sandboxB = Netns.create("ovdrv-cb-");
        node.ip("link", "set", "lo", "up");
        node.ip("link", "add", "ovt1", "type", "veth", "peer", "name", "ovr", "netns", remote.name());
        node.ip("address", "add", "100.64.1.1/16", "dev", "ovt1");
        node.ip("link", "set", "ovt1", "up");
        remote.ip("address", "add", "100.64.2.5/16", "dev", "ovr");
        remote.ip("link", "set", "ovr", "up");
        remote.ip("route", "add", "100.64.1.0/24", "via", "100.64.1.1", "dev", "ovr");
        node.ip("link", "add", "ovx0", "type", "veth", "peer", "name", "ovy0", "netns", outside.name());
        node.ip("address", "add", "198.18.9.1/24", "dev", "ovx0");
        node.ip("link", "set", "ovx0", "up");
        outside.ip("address", "add", "198.18.9.2/24", "dev", "ovy0");
        outside.ip("link", "set", "ovy0", "up");
        outside.ip("route", "add", "100.64.0.0/16", "via", "198.18.9.1");
    }

    @AfterEach
    void removeNamespaces() throws IOException {
        for (Netns ns : new Netns[] {sandboxB, sandboxA, outside, remote, node}) {
            if (ns != null) {
                ns.close();
            }
        }
    }

    /** The iptables FORWARD chain that dockerd leaves on a host, made in the node's namespace exactly as dockerd makes it. */
    enum DockerRules {
        NONE(false, false),
        /** dockerd found ip_forward already on, so left the policy alone. */
        USER_CHAIN(true, false),
        /** dockerd turned ip_forward on itself, and so set the policy to DROP: the usual ECS host. */
        USER_CHAIN_AND_DROP(true, true),
        /** Someone else's policy of DROP, with no dockerd. */
        DROP(false, true);

        final boolean userChain;
        final boolean drop;

        DockerRules(boolean userChain, boolean drop) {
            this.userChain = userChain;
            this.drop = drop;
        }

        void make(Netns ns) throws IOException {
            if (userChain) {
                ns.exec("iptables", "-N", "DOCKER-USER");
                ns.exec("iptables", "-A", "DOCKER-USER", "-j", "RETURN");
                ns.exec("iptables", "-I", "FORWARD", "-j", "DOCKER-USER");
            }
            if (drop) {
                ns.exec("iptables", "-P", "FORWARD", "DROP");
            }
        }
    }

    /** overlayd's accepts as iptables -S lists them: once each, inserted above whatever was there. */
    private static List<String> accepts(String chain) {
        return List.of(
                "-A " + chain + " -i ovc+ -o ovc+ -m comment --comment overlayd -j ACCEPT",
                "-A " + chain + " -i ovt1 -o ovc+ -m comment --comment overlayd -j ACCEPT",
                "-A " + chain + " -i ovc+ -o ovt1 -m comment --comment overlayd -j ACCEPT");
    }

    private List<String> iptables(String chain) throws IOException {
        return node.exec("iptables", "-S", chain).lines().toList();
    }

    private void assertOnlyOverlaydsAccepts(DockerRules rules) throws IOException {
        switch (rules) {
            case NONE -> assertFalse(node.exec("nft", "list", "tables").contains("table ip filter"),
                    "no filter table is made where there was none");
            case DROP -> {
                List<String> expected = new ArrayList<>(List.of("-P FORWARD DROP"));
                expected.addAll(accepts("FORWARD"));
                assertEquals(expected, iptables("FORWARD"));
            }
            default -> {
                List<String> expected = new ArrayList<>(List.of("-N DOCKER-USER"));
                expected.addAll(accepts("DOCKER-USER"));
                expected.add("-A DOCKER-USER -j RETURN");
                assertEquals(expected, iptables("DOCKER-USER"));
                assertEquals(List.of("-P FORWARD " + (rules.drop ? "DROP" : "ACCEPT"), "-A FORWARD -j DOCKER-USER"),
                        iptables("FORWARD"), "FORWARD itself is left to dockerd");
            }
        }
    }

    private interface Step {
        void run() throws IOException;
    }

    private void inNode(Step step) throws IOException {
        node.call(() -> {
            step.run();
            return null;
        });
    }

    /** What Docker does with the container end after the Join: into the sandbox, renamed, addressed, routed. */
    private void container(String hostEnd, Netns sandbox, String address) throws IOException {
        inNode(() -> {
            host.createVeth(hostEnd, "ovp" + hostEnd.substring(3), 1380);
            host.route(hostEnd, (Inet4Address) InetAddress.ofLiteral(address));
        });
        node.ip("link", "set", "ovp" + hostEnd.substring(3), "netns", sandbox.name());
        sandbox.ip("link", "set", "ovp" + hostEnd.substring(3), "name", "eth1");
        sandbox.ip("address", "add", address + "/24", "dev", "eth1");
        sandbox.ip("link", "set", "eth1", "up");
        sandbox.ip("link", "set", "lo", "up");
        sandbox.ip("route", "add", "100.64.0.0/16", "via", "100.64.1.1", "dev", "eth1");
    }

    private static boolean pings(Netns from, String... args) {
        try {
            String[] command = new String[args.length + 5];
            System.arraycopy(new String[] {"ping", "-c", "1", "-W", "2"}, 0, command, 0, 5);
            System.arraycopy(args, 0, command, 5, args.length);
            from.exec(command);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private long counter(String comment) throws IOException {
        String table = node.exec("nft", "list", "table", "inet", "overlayd_ovt1");
        Matcher m = Pattern.compile("counter packets (\\d+) bytes \\d+ drop comment \"" + Pattern.quote(comment) + "\"").matcher(table);
        assertTrue(m.find(), "no counter \"" + comment + "\" in\n" + table);
        return Long.parseLong(m.group(1));
    }

    private String sysctl(String path) throws IOException {
        return node.exec("cat", "/proc/sys/net/ipv4/" + path).strip();
    }

    @ParameterizedTest
    @EnumSource(DockerRules.class)
    void containersReachTheNodeEachOtherAndTheOverlayButNothingElse(DockerRules rules) throws IOException {
        rules.make(node);
        node.exec("nft", "add", "table", "inet", "bystander");
        node.exec("nft", "add", "chain", "inet", "bystander", "c", "{ type filter hook forward priority 10; policy accept; }");
        inNode(host::prepare);
        inNode(host::prepare);
        container(A, sandboxA, "100.64.1.7");
        container(B, sandboxB, "100.64.1.8");

        assertEquals("1", sysctl("conf/ovt1/forwarding"));
        assertEquals("0", sysctl("ip_forward"), "forwarding is per interface, never for every one");
        assertEquals("0", sysctl("conf/ovx0/forwarding"));
        for (String key : new String[] {"forwarding", "proxy_arp", "rp_filter"}) {
            assertEquals("1", sysctl("conf/" + A + "/" + key), key);
        }
        assertEquals("100.64.1.7 dev " + A + " scope link", node.ip("route", "show", "100.64.1.7/32").strip());
        assertTrue(node.ip("link", "show", A).contains("mtu 1380"));
        assertTrue(sandboxA.ip("link", "show", "eth1").contains("mtu 1380"));
        String tables = node.exec("nft", "list", "tables");
        assertTrue(tables.contains("table inet bystander"), tables);
        assertEquals(1, tables.lines().filter(l -> l.equals("table inet overlayd_ovt1")).count(), tables);

        assertTrue(pings(sandboxA, "100.64.1.1"), "a container reaches its node's overlay address");
        assertTrue(pings(sandboxA, "100.64.1.8"), "and a container on the same node, through proxy ARP");
        assertTrue(pings(sandboxA, "100.64.2.5"), "and the overlay beyond its node");
        assertTrue(pings(remote, "100.64.1.8"), "and the overlay reaches it");
        assertOnlyOverlaydsAccepts(rules);

        sandboxA.ip("route", "add", "198.18.9.0/24", "via", "100.64.1.1", "dev", "eth1");
        long elsewhere = counter("container to elsewhere");
        assertFalse(pings(sandboxA, "198.18.9.2"), "a container's traffic goes to the overlay only");
        long overlayElsewhere = counter("overlay to elsewhere");
        remote.ip("route", "add", "198.18.9.0/24", "via", "100.64.1.1", "dev", "ovr");
        assertFalse(pings(remote, "198.18.9.2"), "the overlay is forwarded to containers only");
        // Under a policy of DROP iptables drops these too, and which of two chains of one priority
        // sees a packet first is the kernel's business; where iptables accepts them (with or
        // without dockerd's chain), overlayd's table must be what drops them.
        if (!rules.drop) {
            assertTrue(counter("container to elsewhere") > elsewhere);
            assertTrue(counter("overlay to elsewhere") > overlayElsewhere);
        }
    }

    @Test
    void dockerdStartedAfterOverlaydIsHandledWhenTheNextVethIsRouted() throws IOException {
        inNode(host::prepare);
        container(A, sandboxA, "100.64.1.7");
        assertTrue(pings(sandboxA, "100.64.2.5"));
        DockerRules.USER_CHAIN_AND_DROP.make(node);
        // What the product met on Docker's hosts: dockerd's FORWARD drops the containers' traffic
        // although overlayd's own table accepts it.
        assertFalse(pings(sandboxA, "100.64.2.5"), "container to overlay dropped by dockerd's FORWARD");
        assertFalse(pings(remote, "100.64.1.7"), "overlay to container dropped by dockerd's FORWARD");

        container(B, sandboxB, "100.64.1.8");
        assertTrue(pings(sandboxA, "100.64.2.5"), "container to overlay");
        assertTrue(pings(remote, "100.64.1.7"), "overlay to container");
        assertTrue(pings(sandboxB, "100.64.1.7"), "container to container on the node");
        inNode(host::prepare);
        inNode(() -> host.route(A, (Inet4Address) InetAddress.ofLiteral("100.64.1.7")));
        assertOnlyOverlaydsAccepts(DockerRules.USER_CHAIN_AND_DROP);
    }

    @ParameterizedTest
    @EnumSource(DockerRules.class)
    void aContainerCannotSpoofItsSourceNorReachTheNodesPorts(DockerRules rules) throws IOException {
        rules.make(node);
        inNode(host::prepare);
        container(A, sandboxA, "100.64.1.7");
        // Its own source first, which also makes the container know the node's MAC address: spoofed
        // ARP would be refused by rp_filter before any packet could reach the filter.
        assertTrue(pings(sandboxA, "-I", "100.64.1.7", "100.64.2.5"));
        sandboxA.ip("address", "add", "100.64.1.99/24", "dev", "eth1");
        // What reaches the overlay's other side from the spoofed address, counted there.
        remote.exec("nft", "add", "table", "inet", "watch");
        remote.exec("nft", "add", "chain", "inet", "watch", "input", "{ type filter hook input priority 0; policy accept; }");
        remote.exec("nft", "add", "rule", "inet", "watch", "input", "ip", "saddr", "100.64.1.99", "counter");
        assertFalse(pings(sandboxA, "-I", "100.64.1.99", "100.64.2.5"));
        assertFalse(pings(sandboxA, "-I", "100.64.1.99", "100.64.1.1"));
        assertTrue(remote.exec("nft", "list", "chain", "inet", "watch", "input").contains("counter packets 0 bytes 0"),
                "a source that is not the container's own never leaves its node");
        assertTrue(counter("spoofed source") >= 2, "dropped by overlayd's filter, whatever the host's rp_filter");
        assertTrue(pings(sandboxA, "-I", "100.64.1.7", "100.64.2.5"), "its own source still goes through");

        DatagramChannel listener = node.open(() -> DatagramChannel.open().bind(new InetSocketAddress("100.64.1.1", 0)));
        InetSocketAddress port = (InetSocketAddress) listener.getLocalAddress();
        long refused = counter("node port not offered to containers");
        sandboxA.call(() -> {
            try (DatagramChannel send = DatagramChannel.open()) {
                send.send(ByteBuffer.wrap("from container".getBytes(StandardCharsets.UTF_8)), port);
            }
            return null;
        });
        node.call(() -> {
            try (DatagramChannel send = DatagramChannel.open()) {
                send.send(ByteBuffer.wrap("from node".getBytes(StandardCharsets.UTF_8)), port);
            }
            return null;
        });
        // Datagrams queue in order: had the container's got through, it would be first. (The
        // timeout only keeps a broken setup from hanging the build.)
        listener.socket().setSoTimeout(30_000);
        DatagramPacket received = new DatagramPacket(new byte[64], 64);
        listener.socket().receive(received);
        assertEquals("from node", new String(received.getData(), 0, received.getLength(), StandardCharsets.UTF_8));
        assertTrue(counter("node port not offered to containers") > refused);
    }

    @Test
    void aPortOfferedToContainersIsReachableUntilItIsWithdrawn() throws IOException {
        inNode(host::prepare);
        container(A, sandboxA, "100.64.1.7");
        DatagramChannel listener = node.open(() -> DatagramChannel.open().bind(new InetSocketAddress("100.64.1.1", 0)));
        InetSocketAddress port = (InetSocketAddress) listener.getLocalAddress();
        inNode(() -> host.offer("udp", port.getPort()));
        inNode(() -> host.offer("udp", port.getPort()));
        sendFromContainer(port, "offered");
        listener.socket().setSoTimeout(30_000);
        DatagramPacket received = new DatagramPacket(new byte[64], 64);
        listener.socket().receive(received);
        assertEquals("offered", new String(received.getData(), 0, received.getLength(), StandardCharsets.UTF_8));

        inNode(() -> host.withdraw("udp", port.getPort()));
        inNode(() -> host.withdraw("udp", port.getPort()));
        long refused = counter("node port not offered to containers");
        sendFromContainer(port, "withdrawn");
        node.call(() -> {
            try (DatagramChannel send = DatagramChannel.open()) {
                send.send(ByteBuffer.wrap("from node".getBytes(StandardCharsets.UTF_8)), port);
            }
            return null;
        });
        listener.socket().receive(received);
        assertEquals("from node", new String(received.getData(), 0, received.getLength(), StandardCharsets.UTF_8),
                "the container's datagram, sent first, was dropped");
        assertTrue(counter("node port not offered to containers") > refused);
        assertThrows(IllegalArgumentException.class, () -> host.offer("sctp", 53));
    }

    private void sendFromContainer(InetSocketAddress to, String text) throws IOException {
        sandboxA.call(() -> {
            try (DatagramChannel send = DatagramChannel.open()) {
                send.send(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)), to);
            }
            return null;
        });
    }

    @Test
    void deletingTheHostEndLeavesNothingBehind() throws IOException {
        inNode(host::prepare);
        container(A, sandboxA, "100.64.1.7");
        container(B, sandboxB, "100.64.1.8");
        assertEquals(Set.of(A, B), node.call(() -> host.links("ovc")));
        inNode(() -> {
            host.deleteLink(A);
            host.deleteLink(B);
            host.deleteLink(B);
        });
        assertEquals(Set.of(), node.call(() -> host.links("ovc")));
        assertEquals("", node.ip("route", "show", "100.64.1.0/24", "root", "100.64.1.0/24").strip());
        assertThrows(IOException.class, () -> sandboxA.ip("link", "show", "eth1"));
        assertFalse(node.ip("link", "show").contains("ovp"));
    }

    /** The driver deletes the links this lists that no endpoint owns: it must never list another's. */
    @Test
    void onlyTheDriversOwnVethsAreListedNotLinksWhoseNamesMerelyStartAlike() throws IOException {
        node.ip("link", "add", "ovc-u1", "type", "veth", "peer", "name", "ovc-u1p");
        node.ip("link", "add", "ovc00000001", "type", "bridge");
        node.ip("link", "add", "ovc0000000cd", "type", "veth", "peer", "name", "ovc0000000cp");
        inNode(() -> host.createVeth(A, "ovp0000000a", 1420));
        assertEquals(Set.of(A), node.call(() -> host.links("ovc")));
        assertThrows(IllegalArgumentException.class, () -> new LinuxHostNetwork("ovc1"),
                "an overlay interface named like containers' veths would pass the filter as one");
    }

    @Test
    void aVethLeftOverFromACrashIsReplaced() throws IOException {
        inNode(() -> {
            host.createVeth(A, "ovp0000000a", 1420);
            host.createVeth(A, "ovp0000000a", 1380);
            host.route(A, (Inet4Address) InetAddress.ofLiteral("100.64.1.7"));
            host.route(A, (Inet4Address) InetAddress.ofLiteral("100.64.1.7"));
        });
        assertTrue(node.ip("link", "show", A).contains("mtu 1380"));
        assertEquals("100.64.1.7 dev " + A + " scope link linkdown", node.ip("route", "show", "100.64.1.7/32").strip());
    }
}
