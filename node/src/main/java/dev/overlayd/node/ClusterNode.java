package dev.overlayd.node;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.logging.Logger;
import dev.overlayd.membership.CaAdmission;
import dev.overlayd.membership.ClusterPeers;
import dev.overlayd.membership.Member;
import dev.overlayd.membership.Membership;
import dev.overlayd.membership.enrolment.EnrolmentClient;
import dev.overlayd.membership.enrolment.EnrolmentRedirects;
import dev.overlayd.membership.enrolment.EnrolmentServer;
import dev.overlayd.membership.etcd.EtcdMembership;
import dev.overlayd.membership.etcd.EtcdSettings;
import dev.overlayd.membership.etcd.EtcdTls;
import dev.overlayd.membership.etcd.EtcdUser;
import dev.overlayd.membership.gossip.GossipMembership;
import dev.overlayd.membership.identity.CertificateRejected;
import dev.overlayd.membership.identity.IdentityException;
import dev.overlayd.membership.identity.NodeCertificate;
import dev.overlayd.membership.identity.SigningKey;
import dev.overlayd.node.config.ClusterConfig;
import dev.overlayd.node.config.ConfiguredPlugin;
import dev.overlayd.node.control.ClusterStatus;
import dev.overlayd.node.control.ControlProtocol;
import dev.overlayd.node.control.MemberStatus;
import dev.overlayd.node.control.PeerIdentity;
import dev.overlayd.node.metrics.NodeMetrics;
import dev.overlayd.node.plugin.NodeIdentity;
import dev.overlayd.noise.PublicKey;
import dev.overlayd.peers.Device;
import dev.overlayd.peers.HostPort;
import dev.overlayd.peers.IpPrefix;
import dev.overlayd.peers.uapi.UapiValues;

/**
 * Cluster mode on a device: this node's identity configured on it, a membership backend that keeps
 * its peers equal to the cluster's members, the `overlayctl` commands of a cluster, and the plugins,
 * started once the node has joined and closed, in reverse order, before it leaves.
 */
final class ClusterNode implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ClusterNode.class.getName());

    /** Makes the membership backend; tests give one of their own. */
    interface Backend {
        Membership open(CaAdmission admission) throws IOException;
    }

    private record Started(ConfiguredPlugin plugin, NodeContext context) {}

    private final ClusterConfig config;
    private final ClusterIdentity id;
    private final Device device;
    private final ControlProtocol control;
    private final CaAdmission admission;
    private final ClusterPeers peers;
    private final Membership membership;
    private final NodeMetrics metrics;
    private final PluginServices services = new PluginServices();
    private final List<Started> started = new ArrayList<>();
    private final Issuing issuing;
    private final EnrolmentServer enrolments;
    private volatile NodeCertificate certificate;
    /** Told once, when this node's own certificate turns up on a revocation list. */
    private final Consumer<NodeRevoked> revoked;
    private final AtomicBoolean toldRevoked = new AtomicBoolean();
    private RenewalSchedule renewal;

    /**
     * Configures the device for this node, adds the cluster's commands and its meters (peers named by
     * their certificates, the members by state, the backend's drops); membership starts with {@link #join}.
     */
    ClusterNode(ClusterConfig config, ClusterIdentity id, Device device, ControlProtocol control, NodeMetrics metrics,
                Backend backend, Consumer<NodeRevoked> revoked) throws IOException {
        this.config = config;
        this.revoked = revoked;
        this.id = id;
        this.device = device;
        this.control = control;
        this.metrics = metrics;
        device.setPrivateKey(id.key());
        device.setListenPort(config.listenPort());
        admission = new CaAdmission(id.ca(), Clock.systemUTC(), id.saved());
        peers = new ClusterPeers(device, admission, id.certificate(), this::checkRevoked);
        membership = backend.open(admission);
        certificate = id.certificate();
        issuing = config.issuing() == null ? null : new Issuing(config, id, this::heldSubnets);
        if (issuing != null) {
            issuing.addCommands(control, certificate.name());
        } else {
            Issuing.refuseCommands(control);
        }
        // Every member answers enrolment: its issuer, or a pointer to the member a newcomer asks for.
        EnrolmentRedirects redirects = new EnrolmentRedirects(this::memberEndpoint);
        enrolments = new EnrolmentServer(device, events -> issuing == null ? redirects
                : issuing.responder(certificate.name(), redirects, events));
        metrics.enrolments(enrolments::counts);
        control.add("members", argument -> members());
        control.add("host", argument -> host(der(argument, "certificate")));
        control.add("revoke", argument -> {
            membership.revoke(der(argument, "revocation list"));
            return Map.of("revoked", true);
        });
        metrics.cluster(key -> {
            PeerIdentity peer = peerIdentity(key);
            return peer == null ? null : peer.name();
        }, this::memberStates, membership::drops);
    }

    /** The backend overlay.yaml names, on the device's port (embedded) or at etcd. */
    static Backend backend(ClusterConfig config, ClusterIdentity id, Device device) {
        return admission -> switch (config.backend()) {
            case EMBEDDED -> new GossipMembership(device, id.key(), prologue(id), id.certificate().address(), admission,
                    config.gossip(), dev.overlayd.noise.Clock.SYSTEM);
            case ETCD -> new EtcdMembership(etcdSettings(config, id), SigningKey.derive(id.key()), admission,
                    Clock.systemUTC());
        };
    }

    /** Starts the membership backend (from here on, members come and go by themselves), then the plugins. */
    void join() throws IOException {
        InetSocketAddress endpoint = config.advertise();
        if (endpoint == null && config.backend() == ClusterConfig.Backend.ETCD) {
            endpoint = new InetSocketAddress(routeTowards(config.etcd().endpoints().getFirst()), device.listenPort());
        }
        membership.start(new Member(certificate.name(), certificate.encoded(), endpoint), peers);
        for (java.nio.file.Path file : config.hosts()) {
            try {
                publishHost(NodeCertificate.read(file));
            } catch (IdentityException | IOException e) {
                LOG.warning("static host " + file + " not published: " + e.getMessage());
            }
        }
        LOG.info("cluster " + id.ca().name() + ": " + certificate.name() + " at " + certificate.address().getHostAddress()
                + ", " + config.backend().name().toLowerCase(Locale.ROOT) + " membership");
        startRenewal();
        for (ConfiguredPlugin plugin : config.plugins()) {
            start(plugin);
        }
    }

    /** A plugin that fails to start is said in one line and left out; the node runs on without it. */
    private synchronized void start(ConfiguredPlugin plugin) {
        NodeContext context = null;
        try {
            context = new NodeContext(plugin.section(), self(), peers, membership, device, control, services,
                    metrics.registry(), NodeContext.stateDirectory(config.state(), plugin.section()));
            plugin.plugin().start(context);
        } catch (IOException | RuntimeException e) {
            LOG.warning("plugin " + plugin.section() + " did not start (" + e.getMessage() + "): the node runs without it");
            closeQuietly(plugin);
            if (context != null) {
                context.release();
            }
            return;
        }
        started.add(new Started(plugin, context));
        LOG.info("plugin " + plugin.section() + " started");
    }

    /**
     * Renews a certificate an issuer signed (enrolled, short-lived): with this member's own issuer
     * when it signed it, otherwise with the member that issued it. An operator's certificate from
     * the root is left alone.
     */
    private void startRenewal() throws IOException {
        if (certificate.issuerCertificate().isEmpty()) {
            return;
        }
        RenewalSchedule.Renewer renewer;
        if (issuing != null && issuing.signed(certificate)) {
            renewer = issuing::renew;
        } else {
            RenewalSchedule.IssuedBy by;
            try {
                by = RenewalSchedule.IssuedBy.read(config.state());
            } catch (IdentityException e) {
                throw new IOException(e.getMessage(), e);
            }
            if (by == null) {
                LOG.warning("no record of which member issued " + certificate.name() + "'s certificate (" + config.state()
                        + "/issued-by.json): it is not renewed and runs out at " + certificate.notAfter());
                return;
            }
            renewer = current -> new EnrolmentClient(dev.overlayd.noise.Clock.SYSTEM).renew(current, id.ca(), id.key(),
                    by.name(), issuerEndpoint(by));
        }
        renewal = new RenewalSchedule(device.name(), certificate, renewer, this::renewed);
    }

    /** The issuing member where membership has it now, or where it answered the enrolment. */
    private InetSocketAddress issuerEndpoint(RenewalSchedule.IssuedBy by) throws IOException {
        InetSocketAddress known = memberEndpoint(by.name());
        return known != null ? known : by.resolve();
    }

    /** The renewed certificate replaces the old one on disk and in this node's record; nothing else changes. */
    private void renewed(NodeCertificate fresh) throws IOException {
        try {
            fresh.writePem(config.certificate());
        } catch (IdentityException e) {
            throw new IOException(e.getMessage(), e);
        }
        certificate = fresh;
        membership.update(new Member(fresh.name(), fresh.encoded(), ownEndpoint()));
    }

    /** The endpoint this node's record has now. */
    private InetSocketAddress ownEndpoint() {
        return membership.members().stream().filter(m -> m.name().equals(certificate.name()))
                .map(Member::endpoint).findFirst().orElse(config.advertise());
    }

    /**
     * With etcd and no {@code advertise}, the endpoint was found on the route to etcd at the start:
     * when this host's address on that route changed (roaming), the record gets the new one, as
     * the embedded membership does for itself at every beat. Peers' tunnels follow the node's
     * packets by themselves; their records, and a node that starts later, would not. The node
     * calls this every second: a change often costs the etcd connection and, with a short TTL, the
     * lease, and the record written again when etcd is back should already have the new endpoint.
     */
    void recheckEndpoint() {
        if (config.advertise() != null || config.backend() != ClusterConfig.Backend.ETCD) {
            return;
        }
        try {
            InetAddress now = routeTowards(config.etcd().endpoints().getFirst());
            InetSocketAddress was = ownEndpoint();
            if (now.isAnyLocalAddress() || was == null || now.equals(was.getAddress())) {
                return;
            }
            InetSocketAddress endpoint = new InetSocketAddress(now, device.listenPort());
            LOG.info("this node's endpoint changed from " + UapiValues.formatEndpoint(was) + " to "
                    + UapiValues.formatEndpoint(endpoint) + " (its address on the route to etcd): publishing it");
            membership.update(new Member(certificate.name(), certificate.encoded(), endpoint));
        } catch (IOException e) {
            // No route right now (mid-change), or etcd away: the record is kept and written when it can be.
            LOG.fine("endpoint recheck: " + e.getMessage());
        }
    }

    /** Where the member named {@code name} listens; null for this node and for one not known. */
    private InetSocketAddress memberEndpoint(String name) {
        if (name.equals(certificate.name())) {
            return null;
        }
        return membership.members().stream().filter(m -> m.name().equals(name) && m.endpoint() != null)
                .map(Member::endpoint).findFirst().orElse(null);
    }

    /** The subnets of the members seen now: an issuer never hands one of them out. */
    private Set<IpPrefix> heldSubnets() {
        Set<IpPrefix> held = new HashSet<>();
        for (Member m : membership.members()) {
            try {
                held.add(NodeCertificate.decode(m.certificate()).subnet());
            } catch (IdentityException e) {
                // Not a member's certificate: it holds nothing.
            }
        }
        return held;
    }

    private NodeIdentity self() {
        NodeCertificate cert = certificate;
        return new NodeIdentity(cert.name(), cert.address(), cert.subnet(), cert.groups(), id.ca().overlay(), device.name());
    }

    /** Who a peer is: the member whose certificate binds the key. */
    PeerIdentity peerIdentity(PublicKey key) {
        ClusterPeers.Configured c = peers.byKey(key);
        if (c == null) {
            return null;
        }
        NodeCertificate cert = c.certificate();
        return new PeerIdentity(c.member().name(), cert.kind() == NodeCertificate.Kind.STATIC_HOST ? "static host" : "node",
                cert.notAfter().getEpochSecond());
    }

    /** Drops the members no longer admitted (revoked, expired); the node calls this every few seconds. */
    void recheck() {
        peers.recheck();
        checkRevoked();
    }

    /** Tells, once, that this node's certificate (or its issuer's) is on the revocation list held. */
    private void checkRevoked() {
        NodeCertificate cert = certificate;
        id.ca().revokedAt(cert).ifPresent(at -> {
            if (toldRevoked.compareAndSet(false, true)) {
                revoked.accept(new NodeRevoked(id.ca().name(), cert, at));
            }
        });
    }

    /**
     * The members by {@link NodeMetrics#MEMBER_STATES}: this node; its peers (admitted and
     * configured); those admitted but held back for an overlap; and the rest the backend knows,
     * which this node did not admit.
     */
    Map<String, Long> memberStates() {
        String self = id.certificate().name();
        Set<String> configured = new HashSet<>();
        peers.configured().forEach(c -> configured.add(c.member().name()));
        configured.remove(self);
        Set<String> waiting = new HashSet<>(peers.waiting());
        waiting.remove(self);
        long refused = membership.members().stream().map(Member::name)
                .filter(n -> !n.equals(self) && !configured.contains(n) && !waiting.contains(n)).count();
        return Map.of("self", 1L, "peer", (long) configured.size(), "waiting", (long) waiting.size(), "refused", refused);
    }

    ClusterStatus members() {
        List<MemberStatus> members = new ArrayList<>();
        for (Member m : membership.members()) {
            NodeCertificate cert;
            try {
                cert = NodeCertificate.decode(m.certificate());
            } catch (IdentityException e) {
                continue;
            }
            boolean self = m.name().equals(certificate.name());
            members.add(new MemberStatus(m.name(), cert.kind().name().toLowerCase(Locale.ROOT), self ? "self" : "member",
                    cert.address().getHostAddress(), cert.subnet() == null ? null : cert.subnet().toString(),
                    m.endpoint() == null ? null : UapiValues.formatEndpoint(m.endpoint()), cert.groups(),
                    cert.notAfter().getEpochSecond(), cert.publicKey().toBase64()));
        }
        return new ClusterStatus(device.name(), id.ca().name(), id.ca().overlay().toString(),
                config.backend().name().toLowerCase(Locale.ROOT), members, membership.drops());
    }

    private ClusterStatus host(byte[] der) throws IOException {
        try {
            publishHost(NodeCertificate.decode(der));
        } catch (IdentityException e) {
            throw new IOException(e.getMessage(), e);
        }
        return members();
    }

    /** Checks a static host's certificate here, where the operator hears why it is refused, and publishes it. */
    private void publishHost(NodeCertificate host) throws IOException {
        if (host.kind() != NodeCertificate.Kind.STATIC_HOST) {
            throw new IOException(host.name() + " is a cluster node's certificate, not a static host's");
        }
        // A host name in the certificate is resolved once, here: peers are configured with addresses.
        Member member = new Member(host.name(), host.encoded(), HostPort.parse(host.endpoint().orElseThrow()).resolve());
        try {
            admission.check(member);
        } catch (CertificateRejected e) {
            throw new IOException(e.getMessage(), e);
        }
        membership.host(member);
        LOG.info("static host " + host.name() + " published: " + host.address().getHostAddress() + " at "
                + UapiValues.formatEndpoint(member.endpoint()));
    }

    /** A command's argument, DER in base64. */
    private static byte[] der(String argument, String what) throws IOException {
        try {
            return Base64.getDecoder().decode(argument);
        } catch (IllegalArgumentException e) {
            throw new IOException("the " + what + " is not base64");
        }
    }

    /** Tells every running plugin to reload; one that fails says so and runs on as it was. */
    synchronized void reload() {
        for (Started s : started) {
            try {
                s.plugin().plugin().reload();
            } catch (RuntimeException e) {
                LOG.warning("plugin " + s.plugin().section() + " failed to reload: " + e);
            }
        }
    }

    /** Closes the plugins (the last started first), then leaves the cluster at once, so that the others need not wait for the TTL. */
    @Override
    public synchronized void close() {
        for (Started s : started.reversed()) {
            closeQuietly(s.plugin());
            s.context().release();
        }
        started.clear();
        if (renewal != null) {
            renewal.close();
        }
        enrolments.close();
        membership.leave();
    }

    private static void closeQuietly(ConfiguredPlugin plugin) {
        try {
            plugin.plugin().close();
        } catch (RuntimeException e) {
            LOG.warning("plugin " + plugin.section() + " failed to close: " + e);
        }
    }

    /** etcd's settings, its TLS files and password file read (and checked) now. */
    private static EtcdSettings etcdSettings(ClusterConfig config, ClusterIdentity id) throws IOException {
        ClusterConfig.Etcd etcd = config.etcd();
        if (etcd.plaintext()) {
            LOG.warning("etcd in plaintext (membership.etcd.plaintext: true): whoever is on the path to etcd can "
                    + "delete members' records; use TLS outside tests");
        }
        EtcdTls tls = etcd.plaintext() ? null : EtcdTls.read(etcd.ca(), etcd.certificate(), etcd.key());
        EtcdUser user = etcd.user() == null ? null : EtcdUser.read(etcd.user(), etcd.passwordFile());
        return new EtcdSettings(etcd.endpoints(), id.ca().name(), config.ttl(), tls, user);
    }

    /**
     * This host's address on the route to etcd: with no join exchange to tell a node how others
     * see it, that is the best guess at the endpoint to publish ({@code advertise} overrides it).
     */
    private static InetAddress routeTowards(URI etcd) throws IOException {
        try (DatagramSocket probe = new DatagramSocket()) {
            probe.connect(new InetSocketAddress(etcd.getHost(), etcd.getPort() < 0 ? 2379 : etcd.getPort()));
            return probe.getLocalAddress();
        }
    }

    /** Joins are bound to this cluster's CA: another cluster's node fails the first authenticated message. */
    private static byte[] prologue(ClusterIdentity id) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update("overlayd join v1 ".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            return sha.digest(id.ca().encoded());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
