package dev.overlayd.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import com.fasterxml.jackson.databind.JsonNode;
import dev.overlayd.membership.Member;
import dev.overlayd.membership.identity.CertificateAuthority;
import dev.overlayd.membership.identity.KeyFiles;
import dev.overlayd.membership.identity.NodeCertificate;
import dev.overlayd.membership.identity.SigningKey;
import dev.overlayd.node.config.ClusterConfig;
import dev.overlayd.node.control.ControlProtocol;
import dev.overlayd.node.metrics.NodeMetrics;
import dev.overlayd.node.plugin.ClusterMember;
import dev.overlayd.node.plugin.MemberListener;
import dev.overlayd.node.plugin.NodeIdentity;
import dev.overlayd.node.plugin.PeerHealth;
import dev.overlayd.node.plugin.PluginContext;
import dev.overlayd.noise.Clock;
import dev.overlayd.noise.PrivateKey;
import dev.overlayd.peers.Device;
import dev.overlayd.peers.IpPrefix;
import dev.overlayd.peers.Timing;
import dev.overlayd.peers.socket.UnixSocketServer;
import dev.overlayd.tun.MemoryTun;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node in cluster mode with its plugins, in one process: a real CA and certificates, overlay.yaml
 * parsed as the daemon parses it, a device on an in-memory TUN, the real control socket in a
 * directory of the test's own, and a membership backend the test drives.
 */
class ClusterNodeTest {
    @TempDir
    Path dir;

    private final SecureRandom random = new SecureRandom();
    private final List<String> events = new CopyOnWriteArrayList<>();
    private final List<NodeRevoked> revoked = new CopyOnWriteArrayList<>();
    private final RecordingPlugin.Provider first = new RecordingPlugin.Provider("first", events);
    private final RecordingPlugin.Provider second = new RecordingPlugin.Provider("second", events);
    private CertificateAuthority authority;
    private NodeCertificate self;
    private Device device;
    private ControlProtocol control;
    private UnixSocketServer socket;
    private RecordingMembership membership;
    private ClusterNode node;
    private NodeMetrics metrics;

    @BeforeEach
    void setUp() throws Exception {
        authority = CertificateAuthority.init(dir.resolve("ca"), "prod", IpPrefix.parse("100.64.0.0/16"), 30);
        PrivateKey key = PrivateKey.generate(random);
        self = authority.issue(new CertificateAuthority.Request("h1", key.publicKey(),
                SigningKey.derive(key).verifyingKey(), null, null, List.of("web", "eu"),
                CertificateAuthority.DEFAULT_NODE_DAYS, dev.overlayd.membership.identity.NodeCertificate.Kind.NODE, null));
        self.writePem(dir.resolve("h1.crt"));
        KeyFiles.writeNodeKey(dir.resolve("h1.key"), key);
        device = new Device(new MemoryTun("ovn0"), new NoBind(), Clock.SYSTEM, Timing.PROTOCOL);
        metrics = new NodeMetrics(device, Clock.SYSTEM);
        control = new ControlProtocol();
        socket = ControlProtocol.server(dir.resolve("control"), "ovn0", control);
        socket.start();
    }

    @AfterEach
    void tearDown() {
        if (node != null) {
            node.close();
        }
        socket.close();
        device.close();
    }

    /** overlay.yaml with these plugin sections, parsed with the two providers, and the node made and joined. */
    private void join(String sections) throws Exception {
        Path yaml = Files.writeString(dir.resolve("overlay.yaml"),
                "ca: ca/ca.crt\ncertificate: h1.crt\nkey: h1.key\nstate: state\n" + sections);
        ClusterConfig config = ClusterConfig.parse(yaml, List.of(first, second));
        membership = new RecordingMembership(events);
        node = new ClusterNode(config, ClusterIdentity.read(config), device, control, metrics, admission -> membership, revoked::add);
        node.join();
    }

    private NodeCertificate issue(String name) throws Exception {
        PrivateKey key = PrivateKey.generate(random);
        return authority.issue(CertificateAuthority.Request.node(name, key.publicKey(), SigningKey.derive(key).verifyingKey()));
    }

    private static Member member(NodeCertificate cert) {
        return new Member(cert.name(), cert.encoded(), new InetSocketAddress("198.18.0.2", 51820));
    }

    /** What overlayctl would get for this line. */
    private JsonNode ask(String line) throws IOException {
        try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(socket.socketPath()))) {
            channel.write(ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.US_ASCII)));
            return ControlProtocol.JSON.readTree(Channels.newInputStream(channel));
        }
    }

    @Test
    void aRevocationListNamingThisNodeTellsOnceAndOutlivesARestart() throws Exception {
        join("");
        issue("h2");
        membership.listener.revoked(authority.revoke("h2"));
        assertEquals(List.of(), revoked, "another node's revocation is not this node's");

        membership.listener.revoked(authority.revoke("h1"));
        node.recheck();
        assertEquals(1, revoked.size(), "told once, however often checked");
        assertTrue(revoked.getFirst().getMessage().startsWith("h1's certificate (serial " + self.serial().toString(16)
                + ") was revoked by cluster prod's CA at "), revoked.getFirst().getMessage());
        // The list was saved in the state directory: the node does not start again.
        ClusterConfig config = ClusterConfig.parse(dir.resolve("overlay.yaml"), List.of());
        assertThrows(NodeRevoked.class, () -> ClusterIdentity.read(config));
    }

    @Test
    void pluginsStartInOrderOnceTheNodeHasJoinedAndSeeWhoItIs() throws Exception {
        join("first: {greeting: hello}\nsecond: {greeting: hi}\n");
        assertEquals(List.of("joined as h1", "first started", "second started"), events);

        PluginContext context = first.made.context;
        assertEquals(new NodeIdentity("h1", self.address(), self.subnet(), List.of("web", "eu"),
                IpPrefix.parse("100.64.0.0/16"), "ovn0"), context.self());
        assertTrue(context.self().containerSubnet() != null && context.self().containerSubnet().bits() == 24);
        assertEquals(device.mtu(), context.mtu());
        assertEquals(dir.resolve("state").resolve("first"), context.stateDirectory());
        assertEquals(PosixFilePermissions.fromString("rwx------"), Files.getPosixFilePermissions(context.stateDirectory()));
        assertEquals(dir.resolve("state").resolve("second"), second.made.context.stateDirectory());
    }

    @Test
    void aPluginsCommandAnswersOnTheControlSocketBesideTheNodesOwn() throws Exception {
        join("first: {greeting: hello}\n");
        JsonNode reply = ask("first some words");
        assertEquals("hello", reply.get("greeting").asText());
        assertEquals("some words", reply.get("argument").asText());
        assertEquals("prod", ask("members").get("cluster").asText());
        assertEquals("unknown command", ask("second").get("error").asText());
    }

    @Test
    void anyNumberOfListenersFollowTheAdmittedMembersAndOneThatThrowsStopsNoOther() throws Exception {
        join("first: {greeting: hello}\n");
        PluginContext context = first.made.context;
        NodeCertificate h2 = issue("h2");
        membership.listener.present(member(h2));

        List<String> a = new CopyOnWriteArrayList<>();
        List<String> b = new CopyOnWriteArrayList<>();
        context.onMembers(new MemberListener() {
            @Override
            public void joined(ClusterMember member) {
                throw new IllegalStateException("a listener with a bug");
            }

            @Override
            public void left(ClusterMember member, String why) {
                throw new IllegalStateException("a listener with a bug");
            }
        });
        context.onMembers(recorder(a));
        var bs = context.onMembers(recorder(b));
        assertEquals(List.of("joined h2"), a, "the members already there are replayed");
        assertEquals(List.of("joined h2"), b);

        NodeCertificate h3 = issue("h3");
        membership.listener.present(member(h3));
        assertEquals(List.of("joined h2", "joined h3"), a);
        assertEquals(List.of("joined h2", "joined h3"), b);
        assertEquals(List.of("h2", "h3"), context.members().stream().map(ClusterMember::name).sorted().toList());
        ClusterMember m3 = context.members().stream().filter(m -> m.name().equals("h3")).findFirst().orElseThrow();
        assertEquals(new ClusterMember("h3", ClusterMember.Kind.NODE, h3.address(), h3.subnet(), List.of(),
                new InetSocketAddress("198.18.0.2", 51820)), m3);

        bs.close();
        membership.listener.absent(member(h2), "left");
        assertEquals(List.of("joined h2", "joined h3", "left h2 (left)"), a);
        assertEquals(List.of("joined h2", "joined h3"), b, "a closed subscription hears nothing more");
        assertEquals(List.of("h3"), context.members().stream().map(ClusterMember::name).toList());
    }

    @Test
    void aPluginHearsItsOwnRecordsOfEveryAdmittedMemberAndThisNodeAndNoneOfAMemberThatLeft() throws Exception {
        join("first: {greeting: hello}\nsecond: {greeting: hi}\n");
        PluginContext context = first.made.context;
        NodeCertificate h2 = issue("h2");
        // Records before the member: held until it is admitted, as a backend may report them first.
        membership.listener.records("h2", Map.of("first/web", bytes("a"), "second/web", bytes("b")));
        List<String> heard = new CopyOnWriteArrayList<>();
        context.onRecords((member, records) -> heard.add(member + " " + text(records)));
        assertEquals(List.of(), heard);
        membership.listener.present(member(h2));
        assertEquals(List.of("h2 {web=a}"), heard, "only this plugin's keys, without its section");

        context.publish("db", bytes("own"));
        assertEquals(List.of("h2 {web=a}", "h1 {db=own}"), heard);
        assertEquals(Map.of("first/db", "own"), text(membership.published()), "namespaced by the plugin's section");
        second.made.context.publish("x", bytes("y"));
        assertEquals(2, heard.size(), "another plugin's records are no news to this one");

        List<String> late = new CopyOnWriteArrayList<>();
        context.onRecords((member, records) -> late.add(member + " " + text(records)));
        assertEquals(List.of("h2 {web=a}", "h1 {db=own}"), late, "a new listener hears what is there now");

        membership.listener.absent(member(h2), "left");
        assertEquals("h2 {}", heard.getLast(), "a member that leaves takes its records with it");
        membership.listener.records("h2", Map.of("first/web", bytes("late")));
        assertEquals("h2 {}", heard.getLast(), "records of a member that is not admitted are not told");
    }

    @Test
    void aServiceOneProvidesReachesTheOtherWhicheverStartedFirstAndGoesWithItsPlugin() throws Exception {
        join("first: {greeting: hello}\nsecond: {greeting: hi}\n");
        List<String> got = new CopyOnWriteArrayList<>();
        first.made.context.use(CharSequence.class, s -> got.add("early " + s));
        second.made.context.provide(CharSequence.class, "catalog");
        first.made.context.use(CharSequence.class, s -> got.add("late " + s));
        assertEquals(List.of("early catalog", "late catalog"), got);
        assertThrows(IllegalArgumentException.class, () -> first.made.context.provide(CharSequence.class, "another"));
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static Map<String, String> text(Map<String, byte[]> records) {
        Map<String, String> text = new java.util.TreeMap<>();
        records.forEach((k, v) -> text.put(k, new String(v, StandardCharsets.UTF_8)));
        return text;
    }

    @Test
    void aMemberRefusedByAdmissionIsNeverSeenByPlugins() throws Exception {
        join("first: {greeting: hello}\n");
        List<String> heard = new CopyOnWriteArrayList<>();
        first.made.context.onMembers(recorder(heard));
        CertificateAuthority other = CertificateAuthority.init(dir.resolve("other"), "other",
                IpPrefix.parse("100.64.0.0/16"), 30);
        PrivateKey key = PrivateKey.generate(random);
        NodeCertificate stranger = other.issue(CertificateAuthority.Request.node("h9", key.publicKey(),
                SigningKey.derive(key).verifyingKey()));
        membership.listener.present(member(stranger));
        assertEquals(List.of(), heard);
        assertEquals(List.of(), first.made.context.members());
    }

    @Test
    void aPeersHealthIsItsDevicePeers() throws Exception {
        join("first: {greeting: hello}\n");
        PluginContext context = first.made.context;
        assertTrue(context.health("h2").isEmpty(), "not a member");
        membership.listener.present(member(issue("h2")));
        PeerHealth health = context.health("h2").orElseThrow();
        assertNull(health.lastHandshake(), "never connected");
        assertEquals(0, health.rxBytes());
    }

    @Test
    void aPluginThatFailsToStartIsLeftOutAndTheOthersRun() throws Exception {
        // Its command's name is the node's own: refused, so its start fails.
        RecordingPlugin.Provider clash = new RecordingPlugin.Provider("members", events);
        Path yaml = Files.writeString(dir.resolve("overlay.yaml"),
                "ca: ca/ca.crt\ncertificate: h1.crt\nkey: h1.key\nstate: state\nmembers: {greeting: x}\nfirst: {greeting: y}\n");
        ClusterConfig config = ClusterConfig.parse(yaml, List.of(clash, first));
        membership = new RecordingMembership(events);
        node = new ClusterNode(config, ClusterIdentity.read(config), device, control, metrics, admission -> membership, revoked::add);
        node.join();
        assertEquals(List.of("joined as h1", "members closed", "first started"), events);
        assertEquals("prod", ask("members").get("cluster").asText(), "the node's command is still its own");
        assertEquals("y", ask("first").get("greeting").asText());
    }

    @Test
    void pluginsAreClosedLastFirstBeforeTheNodeLeavesAndTheirCommandsGoWithThem() throws Exception {
        join("first: {greeting: hello}\nsecond: {greeting: hi}\n");
        List<String> heard = new CopyOnWriteArrayList<>();
        first.made.context.onMembers(recorder(heard));
        node.close();
        node = null;
        assertEquals(List.of("joined as h1", "first started", "second started", "second closed", "first closed", "left"),
                events);
        assertEquals("unknown command", ask("first").get("error").asText());
        membership.listener.present(member(issue("h2")));
        assertEquals(List.of(), heard, "a closed plugin's listeners hear nothing more");
    }

    @Test
    void aPluginsMetersAreTheNodesUntilItIsClosedAndTheMembersAreCountedByState() throws Exception {
        join("first: {greeting: hello}\n");
        first.made.context.metrics().counter("overlayd.first.greetings").increment(2);
        assertEquals(2, metrics.registry().get("overlayd.first.greetings").counter().count());

        membership.listener.present(member(issue("h2")));
        metrics.scrape(java.io.OutputStream.nullOutputStream(), "text/plain; version=0.0.4; charset=utf-8");
        assertEquals(1, metrics.registry().get("overlayd.members").tag("state", "self").gauge().value());
        assertEquals(1, metrics.registry().get("overlayd.members").tag("state", "peer").gauge().value());
        assertEquals(0, metrics.registry().get("overlayd.members").tag("state", "waiting").gauge().value());
        assertTrue(metrics.registry().find("overlayd.peer.transmit.bytes").tag("peer", "h2").functionCounter() != null,
                "a member's peer is labelled with its name");

        node.close();
        node = null;
        assertNull(metrics.registry().find("overlayd.first.greetings").counter(), "gone with the plugin");
    }

    @Test
    void aPluginWithoutASectionDoesNotRun() throws Exception {
        join("first: {greeting: hello}\n");
        assertNull(second.seen);
        assertNull(second.made);
        assertEquals(List.of("joined as h1", "first started"), events);
    }

    private static MemberListener recorder(List<String> heard) {
        return new MemberListener() {
            @Override
            public void joined(ClusterMember member) {
                heard.add("joined " + member.name());
            }

            @Override
            public void left(ClusterMember member, String why) {
                heard.add("left " + member.name() + " (" + why + ")");
            }
        };
    }
}
