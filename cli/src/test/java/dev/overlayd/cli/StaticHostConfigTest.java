package dev.overlayd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import dev.overlayd.node.config.WgQuickConfig;
import dev.overlayd.node.control.ClusterStatus;
import dev.overlayd.node.control.MemberStatus;
import dev.overlayd.membership.identity.CertificateAuthority;
import dev.overlayd.membership.identity.NodeCertificate;
import dev.overlayd.noise.PrivateKey;
import dev.overlayd.peers.IpPrefix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StaticHostConfigTest {
    private static final SecureRandom RANDOM = new SecureRandom();

    @TempDir
    Path temp;

    @Test
    void theHostGetsItsKeyAndAddressAndEveryNodeAsAPeerButOtherStaticHosts() throws Exception {
        CertificateAuthority ca = CertificateAuthority.init(temp.resolve("ca"), "prod", IpPrefix.parse("10.40.0.0/16"), 30);
        PrivateKey key = PrivateKey.generate(RANDOM);
        NodeCertificate db = ca.issue(new CertificateAuthority.Request("db1", key.publicKey(), null, null, null, List.of(), 30,
                NodeCertificate.Kind.STATIC_HOST, "192.0.2.7:51999"));
        String h1 = PrivateKey.generate(RANDOM).publicKey().toBase64();
        String h2 = PrivateKey.generate(RANDOM).publicKey().toBase64();
        ClusterStatus cluster = new ClusterStatus("overlay0", "prod", "10.40.0.0/16", "embedded", List.of(
                new MemberStatus("h1", "node", "self", "10.40.0.1", "10.40.0.0/24", "192.0.2.1:51820", List.of(), 0, h1),
                new MemberStatus("h2", "node", "member", "10.40.1.1", "10.40.1.0/24", null, List.of(), 0, h2),
                new MemberStatus("db1", "static_host", "member", "10.40.255.1", "10.40.255.1/32", "192.0.2.7:51999",
                        List.of(), 0, key.publicKey().toBase64())));

        WgQuickConfig config = WgQuickConfig.parse("db1.conf", StaticHostConfig.render(cluster, db, key, "overlay0"));

        assertEquals(key.publicKey(), config.iface().privateKey().publicKey());
        assertEquals(51999, config.iface().listenPort());
        assertEquals("10.40.255.1/32", config.iface().addresses().getFirst().toString());
        assertEquals(2, config.peers().size(), "the nodes, not the host itself");
        WgQuickConfig.PeerConfig first = config.peers().getFirst();
        assertEquals("h1", first.name());
        assertEquals(h1, first.publicKey().toBase64());
        assertEquals("192.0.2.1:51820", first.endpoint());
        assertEquals(List.of(IpPrefix.parse("10.40.0.0/24")), first.allowedIps(), "the address is in the subnet");
        assertNull(config.peers().get(1).endpoint(), "h2's endpoint is unknown: h2 reaches the host first");
    }
}
