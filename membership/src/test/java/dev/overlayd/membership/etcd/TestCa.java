package dev.overlayd.membership.etcd;

import dev.overlayd.membership.CaAdmission;
import dev.overlayd.membership.Member;
import dev.overlayd.membership.identity.CertificateAuthority;
import dev.overlayd.membership.identity.SavedRevocations;
import dev.overlayd.membership.identity.ClusterCa;
import dev.overlayd.membership.identity.IdentityException;
import dev.overlayd.membership.identity.NodeCertificate;
import dev.overlayd.membership.identity.SigningKey;
import dev.overlayd.noise.PrivateKey;
import dev.overlayd.peers.IpPrefix;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.List;

/** A real cluster CA in a test's directory, issuing the nodes and static hosts whose records are verified. */
final class TestCa {
    /** A node as its daemon knows itself: its record and the key it signs with. */
    record Node(Member member, PrivateKey key) {
        SigningKey signingKey() {
            return SigningKey.derive(key);
        }

        /** The same node at another port, as after an update. */
        Node at(int port) {
            return new Node(new Member(member.name(), member.certificate(), loopback(port)), key);
        }
    }

    private final CertificateAuthority authority;
    private final Path dir;

    TestCa(Path dir) throws IdentityException {
        this.dir = dir;
        authority = CertificateAuthority.init(dir, "test", IpPrefix.parse("100.64.0.0/16"), 30);
    }

    CaAdmission admission() throws IdentityException {
        return new CaAdmission(ClusterCa.decode(authority.publicCa().encoded()), Clock.systemUTC(),
                new SavedRevocations(dir.resolve("state")));
    }

    Node node(String name, int port) throws IdentityException {
        PrivateKey key = PrivateKey.generate(new SecureRandom());
        NodeCertificate cert;
        try (SigningKey signing = SigningKey.derive(key)) {
            cert = authority.issue(CertificateAuthority.Request.node(name, key.publicKey(), signing.verifyingKey()));
        }
        return new Node(new Member(name, cert.encoded(), loopback(port)), key);
    }

    /** A static host listening on 127.0.0.1:{@code port}, as its certificate says. */
    Member staticHost(String name, int port) throws IdentityException {
        NodeCertificate cert = authority.issue(new CertificateAuthority.Request(name,
                PrivateKey.generate(new SecureRandom()).publicKey(), null, null, null, List.of(), 30,
                NodeCertificate.Kind.STATIC_HOST, "127.0.0.1:" + port));
        return new Member(name, cert.encoded(), loopback(port));
    }

    static InetSocketAddress loopback(int port) {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    }
}
