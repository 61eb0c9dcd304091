package dev.overlayd.membership.gossip;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.function.Predicate;
import dev.overlayd.membership.CaAdmission;
import dev.overlayd.membership.Member;
import dev.overlayd.membership.MembershipListener;
import dev.overlayd.membership.identity.CertificateAuthority;
import dev.overlayd.membership.identity.ClusterCa;
import dev.overlayd.membership.identity.NodeCertificate;
import dev.overlayd.membership.identity.SavedRevocations;
import dev.overlayd.membership.identity.SigningKey;
import dev.overlayd.noise.Clock;
import dev.overlayd.noise.PrivateKey;
import dev.overlayd.peers.IpPrefix;

/**
 * Gossip nodes in one process: a real CA and real certificates, each node a {@link GossipNode}
 * whose transport is a queue that {@link #deliver()} empties, on a clock the test moves. Node n's
 * underlay endpoint is 198.18.0.n:51820; its overlay address is the one its certificate gives.
 * Tests can also send as anyone from any address ({@link #sendGossip}, {@link #sendJoin}) and see
 * what a node sent ({@link Node#sent}).
 */
final class LocalCluster {
    static final Duration TTL = Duration.ofSeconds(5);
    static final Duration INTERVAL = Duration.ofSeconds(1);
    static final byte[] PROLOGUE = "overlayd test cluster".getBytes();

    /** The injected clock, moved by the test. */
    static final class TestClock implements Clock {
        long nanos = 1_000_000_000_000L;
        long epochNanos = 1_790_000_000_000_000_000L;

        @Override
        public long nanoTime() {
            return nanos;
        }

        @Override
        public long epochNanos() {
            return epochNanos;
        }

        void advance(Duration d) {
            nanos += d.toNanos();
            epochNanos += d.toNanos();
        }
    }

    /** A datagram one node sent, as the network saw it. */
    record Sent(boolean join, byte[] bytes, InetSocketAddress to) {}

    final TestClock clock = new TestClock();
    final CertificateAuthority authority;
    final ClusterCa ca;
    private final Map<String, Node> nodes = new LinkedHashMap<>();
    private final Queue<Runnable> inFlight = new ArrayDeque<>();
    /** Datagrams the network loses, e.g. during a partition. */
    Predicate<Sent> lost = s -> false;

    private final Path dir;

    LocalCluster(Path dir) throws Exception {
        this(dir, IpPrefix.parse("100.64.0.0/16"));
    }

    /** A cluster whose CA gives out {@code overlay}: a /10 for more nodes than a /16's 255. */
    LocalCluster(Path dir, IpPrefix overlay) throws Exception {
        this.dir = dir;
        authority = CertificateAuthority.init(dir.resolve("ca"), "test", overlay, 3650);
        ca = ClusterCa.decode(authority.publicCa().encoded());
    }

    final class Node extends NullTransport implements MembershipListener {
        final String name;
        final PrivateKey key = PrivateKey.generate(new SecureRandom());
        final NodeCertificate certificate;
        /** Its endpoint on the underlay, and its route's address towards every other node: a test moves it (roaming). */
        InetSocketAddress underlay;
        final GossipDrops drops = new GossipDrops();
        /** Each node holds the CA, and the revocations it adopted, on its own. */
        final CaAdmission admission;
        final List<String> events = new ArrayList<>();
        final List<Sent> sent = new ArrayList<>();
        final Map<String, Member> present = new LinkedHashMap<>();
        /** Every member's plugin records as last told, this node's own among them. */
        final Map<String, Map<String, byte[]>> records = new LinkedHashMap<>();
        final List<InetSocketAddress> seeds = new ArrayList<>();
        GossipNode core;

        Node(String name, int n) throws Exception {
            this.name = name;
            try (SigningKey signing = SigningKey.derive(key)) {
                certificate = authority.issue(CertificateAuthority.Request.node(name, key.publicKey(), signing.verifyingKey()));
            }
            underlay = new InetSocketAddress(InetAddress.getByName("198.18.0." + n), 51820);
            admission = new CaAdmission(ClusterCa.decode(ca.encoded()), java.time.Clock.systemUTC(),
                    new SavedRevocations(dir.resolve(name)));
        }

        /** Starts the node's core; {@code advertise} is its configured endpoint, or null to find it. */
        void begin(InetSocketAddress advertise) {
            core = new GossipNode(new Member(name, certificate.encoded(), advertise), key, PROLOGUE, admission,
                    new GossipSettings(List.of(), TTL, INTERVAL, GossipSettings.DEFAULT_PORT), clock, this, this, drops,
                    () -> seeds, LocalCluster::noDns, new OwnRecordSet(clock));
        }

        InetAddress overlay() {
            return certificate.address();
        }

        Member self() {
            return core.view().getFirst();
        }

        long dropped(GossipDrops.Reason reason) {
            return drops.get(reason);
        }

        @Override
        public void start(Receiver receiver) {
            throw new UnsupportedOperationException("the cluster delivers to the core directly");
        }

        @Override
        public void sendGossip(byte[] message, InetAddress to) {
            send(new Sent(false, message, new InetSocketAddress(to, GossipSettings.DEFAULT_PORT)), overlay());
        }

        @Override
        public void sendJoin(byte[] message, InetSocketAddress to) {
            send(new Sent(true, message, to), underlay.getAddress());
        }

        private void send(Sent s, InetAddress from) {
            sent.add(s);
            if (!lost.test(s)) {
                LocalCluster.this.send(s, new InetSocketAddress(from, s.join() ? underlay.getPort() : GossipSettings.DEFAULT_PORT));
            }
        }

        @Override
        public InetSocketAddress endpointTowards(InetSocketAddress target) {
            return underlay;
        }

        @Override
        public void present(Member member) {
            present.put(member.name(), member);
            events.add("present " + member.name());
        }

        @Override
        public void absent(Member member, String why) {
            present.remove(member.name());
            events.add("absent " + member.name() + ": " + why);
        }

        @Override
        public void records(String member, Map<String, byte[]> records) {
            this.records.put(member, records);
        }

        @Override
        public void revoked(byte[] revocationList) {
            events.add("revoked");
        }
    }

    private static InetAddress[] noDns(String host) throws UnknownHostException {
        throw new UnknownHostException(host);
    }

    /** A node, not yet started; n picks its underlay address. */
    Node add(String name, int n) throws Exception {
        Node node = new Node(name, n);
        nodes.put(name, node);
        return node;
    }

    /** A started node that joins through {@code seeds}, publishing the endpoint it finds itself. */
    Node start(String name, int n, Node... seeds) throws Exception {
        Node node = add(name, n);
        for (Node s : seeds) {
            node.seeds.add(s.underlay);
        }
        node.begin(null);
        return node;
    }

    Node node(String name) {
        return nodes.get(name);
    }

    /** Delivers a datagram as if {@code from} sent it: to a node's core, by its overlay address (gossip) or underlay endpoint (join). */
    void send(Sent s, InetSocketAddress from) {
        inFlight.add(() -> {
            for (Node n : nodes.values()) {
                if (n.core == null) {
                    continue;
                }
                if (s.join() && n.underlay.equals(s.to())) {
                    n.core.join(s.bytes(), from);
                } else if (!s.join() && n.overlay().equals(s.to().getAddress())) {
                    n.core.gossip(s.bytes(), from.getAddress());
                }
            }
        });
    }

    void sendGossip(byte[] message, InetAddress from, Node to) {
        send(new Sent(false, message, new InetSocketAddress(to.overlay(), GossipSettings.DEFAULT_PORT)),
                new InetSocketAddress(from, GossipSettings.DEFAULT_PORT));
    }

    void sendJoin(byte[] message, InetSocketAddress from, Node to) {
        send(new Sent(true, message, to.underlay), from);
    }

    /** Delivers everything in flight, and what that makes the nodes send, until nothing is left. */
    void deliver() {
        for (int i = 0; i < 100_000 && !inFlight.isEmpty(); i++) {
            inFlight.poll().run();
        }
        if (!inFlight.isEmpty()) {
            throw new IllegalStateException("gossip did not settle");
        }
    }

    /** {@code beats} intervals pass: every started node ticks and expires, and what they send is delivered. */
    void run(int beats) {
        for (int b = 0; b < beats; b++) {
            clock.advance(INTERVAL);
            for (Node n : nodes.values()) {
                if (n.core != null) {
                    n.core.tick();
                }
            }
            deliver();
            for (Node n : nodes.values()) {
                if (n.core != null) {
                    n.core.expire();
                }
            }
        }
    }
}
