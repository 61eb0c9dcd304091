package dev.overlayd.membership.gossip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import dev.overlayd.membership.Member;
import dev.overlayd.membership.identity.CertificateAuthority;
import dev.overlayd.membership.identity.Issuer;
import dev.overlayd.membership.identity.NodeCertificate;
import dev.overlayd.membership.identity.SigningKey;
import dev.overlayd.noise.PrivateKey;
import dev.overlayd.peers.IpPrefix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A certificate an issuer signed carries the issuer's (about 350 bytes more): it still passes every
 * limit gossip sets on what carries certificates. The sizes are printed for the record.
 */
class ChainedCertificateSizeTest {
    /** The largest UDP payload over IPv4, what a sync, a sync reply and a welcome are sent in whole. */
    private static final int MAX_UDP_PAYLOAD = 65_507;

    @TempDir
    Path dir;

    @Test
    void aRecordWithAChainedCertificateFitsTheJoinAndTheDatagrams() throws Exception {
        CertificateAuthority ca = CertificateAuthority.init(dir.resolve("ca"), "prod", IpPrefix.parse("10.40.0.0/16"), 3650);
        ca.createIssuer("auto-scaling-group-eu-west-1", IpPrefix.parse("10.40.128.0/17"), 365);
        Issuer issuer = Issuer.load(dir.resolve("ca/issuers/auto-scaling-group-eu-west-1.crt"),
                dir.resolve("ca/issuers/auto-scaling-group-eu-west-1.key"), ca.publicCa(), dir.resolve("state"),
                Issuer.DEFAULT_GRACE, Clock.systemUTC());
        PrivateKey nodeKey = PrivateKey.generate(new SecureRandom());
        try (SigningKey key = SigningKey.derive(nodeKey)) {
            String name = "ip-10-0-17-203.eu-west-1.compute.internal";
            List<String> groups = List.of("web", "eu-west-1", "production");
            NodeCertificate chained = issuer.issue(new Issuer.Request(name, nodeKey.publicKey(), key.verifyingKey(),
                    groups, Issuer.DEFAULT_LIFETIME), Set.of());
            NodeCertificate plain = ca.issue(new CertificateAuthority.Request(name + "-root", nodeKey.publicKey(),
                    key.verifyingKey(), null, null, groups, 365, NodeCertificate.Kind.NODE, null));
            InetSocketAddress underlay = new InetSocketAddress("198.18.0.17", 51820);
            Record withChain = SignedRecord.sign(new Member(name, chained.encoded(), underlay), 1_790_000_000_000L, 12345,
                    false, 1_790_000_000_000_123L, key);
            Record withoutChain = SignedRecord.sign(new Member(name, plain.encoded(), underlay), 1_790_000_000_000L, 12345,
                    false, 1_790_000_000_000_123L, key);

            // The signed body names the certificate by its hash: a chain does not lengthen it.
            assertEquals(withoutChain.signed().body().length, withChain.signed().body().length);
            assertTrue(withChain.signed().body().length <= SignedRecord.MAX_BODY);
            // Steps 2 and 3 of a join carry the member's own record, certificate and all, in one Noise message.
            int join = GossipMessage.of(GossipMessage.JOIN, List.of(withChain), null).encode().length;
            assertTrue(join + 64 <= 65_535, join + " bytes");
            GossipMessage back = GossipMessage.decode(GossipMessage.of(GossipMessage.JOIN, List.of(withChain), null).encode());
            assertEquals(1, back.records().size());

            int perPlain = GossipMessage.of(GossipMessage.SYNC, List.of(withoutChain, withoutChain), null).encode().length
                    - GossipMessage.of(GossipMessage.SYNC, List.of(withoutChain), null).encode().length;
            int perChained = GossipMessage.of(GossipMessage.SYNC, List.of(withChain, withChain), null).encode().length
                    - GossipMessage.of(GossipMessage.SYNC, List.of(withChain), null).encode().length;
            List<Record> many = new ArrayList<>();
            while (GossipMessage.of(GossipMessage.SYNC, many, null).encode().length + perChained <= MAX_UDP_PAYLOAD) {
                many.add(withChain);
            }
            System.out.printf("certificate DER: %d bytes root-signed, %d chained (+%d, the issuer's %d);"
                            + " a member in a sync: %d bytes plain, %d chained; a join message %d bytes;"
                            + " a sync of %d chained members fits one UDP datagram (%d plain)%n",
                    plain.encoded().length, chained.encoded().length, chained.encoded().length - plain.encoded().length,
                    chained.issuerCertificate().orElseThrow().encoded().length, perPlain, perChained, join,
                    many.size(), MAX_UDP_PAYLOAD / perPlain);
        }
    }
}
