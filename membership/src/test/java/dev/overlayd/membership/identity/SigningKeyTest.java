package dev.overlayd.membership.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import dev.overlayd.noise.PrivateKey;
import dev.overlayd.peers.IpPrefix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SigningKeyTest {
    private static final byte[] RECORD = "web1 incarnation 7 heartbeat 9".getBytes(StandardCharsets.US_ASCII);

    @Test
    void theSameWireGuardKeyAlwaysGivesTheSameSigningKeyAndAnotherKeyAnother() {
        PrivateKey key = PrivateKey.generate(new SecureRandom());
        assertEquals(SigningKey.derive(key).verifyingKey(), SigningKey.derive(PrivateKey.of(key.bytes())).verifyingKey());
        assertNotEquals(SigningKey.derive(key).verifyingKey(),
                SigningKey.derive(PrivateKey.generate(new SecureRandom())).verifyingKey());
    }

    @Test
    void aSignatureVerifiesForItsKeyDomainAndMessageOnly() {
        SigningKey key = SigningKey.derive(PrivateKey.generate(new SecureRandom()));
        byte[] signature = key.sign("gossip record v2", RECORD);
        VerifyingKey verifying = key.verifyingKey();
        assertTrue(verifying.verifies("gossip record v2", RECORD, signature));

        assertFalse(verifying.verifies("etcd record v1", RECORD, signature), "another domain");
        byte[] tampered = RECORD.clone();
        tampered[0] ^= 1;
        assertFalse(verifying.verifies("gossip record v2", tampered, signature), "another message");
        byte[] bent = signature.clone();
        bent[10] ^= 1;
        assertFalse(verifying.verifies("gossip record v2", RECORD, bent), "a changed signature");
        assertFalse(SigningKey.derive(PrivateKey.generate(new SecureRandom())).verifyingKey()
                .verifies("gossip record v2", RECORD, signature), "another node's key");
        assertFalse(verifying.verifies("gossip record v2", RECORD, new byte[3]), "a short signature");
        assertFalse(verifying.verifies("gossip record v2", RECORD, null), "none");
    }

    @Test
    void aNodeCertificateBindsTheSigningKeyAndAStaticHostsHasNone(@TempDir Path dir) throws Exception {
        CertificateAuthority ca = CertificateAuthority.init(dir.resolve("ca"), "prod", IpPrefix.parse("100.64.0.0/16"), 30);
        PrivateKey key = PrivateKey.generate(new SecureRandom());
        VerifyingKey signing = SigningKey.derive(key).verifyingKey();
        NodeCertificate node = NodeCertificate.decode(
                ca.issue(CertificateAuthority.Request.node("web1", key.publicKey(), signing)).encoded());
        assertEquals(signing, node.signingKey().orElseThrow());

        NodeCertificate host = ca.issue(new CertificateAuthority.Request("db1", PrivateKey.generate(new SecureRandom())
                .publicKey(), null, null, null, java.util.List.of(), 30, NodeCertificate.Kind.STATIC_HOST, "198.18.0.9:51820"));
        assertTrue(host.signingKey().isEmpty());
    }

    @Test
    void theCaRefusesANodeWithoutASigningKeyAndAStaticHostWithOne(@TempDir Path dir) throws Exception {
        CertificateAuthority ca = CertificateAuthority.init(dir.resolve("ca"), "prod", IpPrefix.parse("100.64.0.0/16"), 30);
        PrivateKey key = PrivateKey.generate(new SecureRandom());
        IdentityException node = org.junit.jupiter.api.Assertions.assertThrows(IdentityException.class,
                () -> ca.issue(CertificateAuthority.Request.node("web1", key.publicKey(), null)));
        assertTrue(node.getMessage().contains("record-signing key"), node.getMessage());
        IdentityException host = org.junit.jupiter.api.Assertions.assertThrows(IdentityException.class,
                () -> ca.issue(new CertificateAuthority.Request("db1", key.publicKey(), SigningKey.derive(key).verifyingKey(),
                        null, null, java.util.List.of(), 30, NodeCertificate.Kind.STATIC_HOST, "198.18.0.9:51820")));
        assertTrue(host.getMessage().contains("no record-signing key"), host.getMessage());
    }
}
