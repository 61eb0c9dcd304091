package dev.overlayd.cli;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.logging.Logger;
import dev.overlayd.cli.control.ClusterControl;
import dev.overlayd.cli.control.ClusterStatus;
import dev.overlayd.cli.control.MemberStatus;
import dev.overlayd.cli.control.PeerIdentity;
import dev.overlayd.peers.uapi.UapiValues;
import dev.overlayd.cli.config.ClusterConfig;
import dev.overlayd.membership.CaAdmission;
import dev.overlayd.membership.ClusterPeers;
import dev.overlayd.membership.Member;
import dev.overlayd.membership.Membership;
import dev.overlayd.membership.etcd.EtcdMembership;
import dev.overlayd.membership.etcd.EtcdSettings;
import dev.overlayd.membership.etcd.EtcdTls;
import dev.overlayd.membership.etcd.EtcdUser;
import dev.overlayd.membership.gossip.GossipMembership;
import dev.overlayd.membership.identity.CertificateRejected;
import dev.overlayd.membership.identity.ClusterCa;
import dev.overlayd.membership.identity.IdentityException;
import dev.overlayd.membership.identity.KeyFiles;
import dev.overlayd.membership.identity.NodeCertificate;
import dev.overlayd.membership.identity.SigningKey;
import dev.overlayd.membership.identity.SavedRevocations;
import dev.overlayd.noise.PrivateKey;
import dev.overlayd.peers.Device;
import dev.overlayd.tun.Link;

/**
 * Cluster mode: this node's identity from its CA-signed certificate, the interface addressed from
 * it, and a membership backend that keeps the device's peers equal to the cluster's members.
 */
final class ClusterNode implements ClusterControl, AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ClusterNode.class.getName());

    final ClusterCa ca;
    final NodeCertificate certificate;
    final PrivateKey key;
    final ClusterPeers peers;
    private final ClusterConfig config;
    private final CaAdmission admission;
    private final String interfaceName;
    private Membership membership;

    private ClusterNode(ClusterConfig config, ClusterCa ca, NodeCertificate certificate, PrivateKey key,
            CaAdmission admission, ClusterPeers peers, String interfaceName) {
        this.config = config;
        this.ca = ca;
        this.certificate = certificate;
        this.key = key;
        this.admission = admission;
        this.peers = peers;
        this.interfaceName = interfaceName;
    }

    /**
     * Reads and checks the identity before anything is created: a key that is not the
     * certificate's, a certificate from another CA, out of its validity or revoked stop the start.
     * The revocations are the newest of those saved in the state directory and the configured file.
     */
    static Identity identity(ClusterConfig config) throws IdentityException, CertificateRejected {
        ClusterCa ca = ClusterCa.read(config.ca());
        SavedRevocations saved = new SavedRevocations(config.state());
        saved.restore(ca, config.crl());
        NodeCertificate cert = NodeCertificate.read(config.certificate());
        PrivateKey key = KeyFiles.readNodeKey(config.key());
        if (!key.publicKey().equals(cert.publicKey())) {
            throw new CertificateRejected(config.key() + " is not the key of " + config.certificate()
                    + " (" + cert.name() + ")");
        }
        ca.verify(cert, Clock.systemUTC().instant());
        return new Identity(ca, cert, key, saved);
    }

    record Identity(ClusterCa ca, NodeCertificate certificate, PrivateKey key, SavedRevocations saved) {}

    /** Configures the device and the interface for this node; membership starts with {@link #join}. */
    static ClusterNode create(ClusterConfig config, Identity id, Device device, Link link) throws IOException {
        device.setPrivateKey(id.key());
        device.setListenPort(config.listenPort());
        CaAdmission admission = new CaAdmission(id.ca(), Clock.systemUTC(), id.saved());
        ClusterNode node = new ClusterNode(config, id.ca(), id.certificate(), id.key(), admission,
                new ClusterPeers(device, admission, id.certificate()), device.name());
        link.addAddress(id.certificate().address().getHostAddress() + "/" + id.ca().overlay().bits());
        return node;
    }

    /** Starts the membership backend: from here on, members come and go by themselves. */
    void join(Device device) throws IOException {
        membership = switch (config.backend()) {
            case EMBEDDED -> new GossipMembership(device, key, prologue(ca), certificate.address(), admission,
                    config.gossip(), dev.overlayd.noise.Clock.SYSTEM);
            case ETCD -> new EtcdMembership(etcdSettings(), SigningKey.derive(key), admission, Clock.systemUTC());
        };
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
        LOG.info("cluster " + ca.name() + ": " + certificate.name() + " at " + certificate.address().getHostAddress()
                + ", " + config.backend().name().toLowerCase(Locale.ROOT) + " membership");
    }

    /** etcd's settings, its TLS files and password file read (and checked) now. */
    private EtcdSettings etcdSettings() throws IOException {
        ClusterConfig.Etcd etcd = config.etcd();
        if (etcd.plaintext()) {
            LOG.warning("etcd in plaintext (membership.etcd.plaintext: true): whoever is on the path to etcd can "
                    + "delete members' records; use TLS outside tests");
        }
        EtcdTls tls = etcd.plaintext() ? null : EtcdTls.read(etcd.ca(), etcd.certificate(), etcd.key());
        EtcdUser user = etcd.user() == null ? null : EtcdUser.read(etcd.user(), etcd.passwordFile());
        return new EtcdSettings(etcd.endpoints(), ca.name(), config.ttl(), tls, user);
    }

    /** Who a peer is: the member whose certificate binds the key. */
    PeerIdentity peerIdentity(dev.overlayd.noise.PublicKey key) {
        ClusterPeers.Configured c = peers.byKey(key);
        if (c == null) {
            return null;
        }
        NodeCertificate cert = c.certificate();
        return new PeerIdentity(c.member().name(), cert.kind() == NodeCertificate.Kind.STATIC_HOST ? "static host" : "node",
                cert.notAfter().getEpochSecond());
    }

    @Override
    public ClusterStatus members() {
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
        return new ClusterStatus(interfaceName, ca.name(), ca.overlay().toString(),
                config.backend().name().toLowerCase(Locale.ROOT), members, membership.drops());
    }

    @Override
    public ClusterStatus host(byte[] der) throws IOException {
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
        com.google.common.net.HostAndPort at = com.google.common.net.HostAndPort.fromString(host.endpoint().orElseThrow());
        Member member = new Member(host.name(), host.encoded(),
                new InetSocketAddress(InetAddress.getByName(at.getHost()), at.getPort()));
        try {
            admission.check(member);
        } catch (CertificateRejected e) {
            throw new IOException(e.getMessage(), e);
        }
        membership.host(member);
        LOG.info("static host " + host.name() + " published: " + host.address().getHostAddress() + " at "
                + UapiValues.formatEndpoint(member.endpoint()));
    }

    @Override
    public void revoke(byte[] revocationList) throws IOException {
        membership.revoke(revocationList);
    }

    /** Leaves the cluster at once, so that the others need not wait for the TTL. */
    @Override
    public void close() {
        if (membership != null) {
            membership.leave();
        }
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
    private static byte[] prologue(ClusterCa ca) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update("overlayd join v1 ".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            return sha.digest(ca.encoded());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
