package dev.overlayd.membership.identity;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import dev.overlayd.noise.PrivateKey;
import dev.overlayd.peers.IpPrefix;

/**
 * Certificates and revocation lists from outside: node certificates in gossip, joins, etcd
 * records, enrolment and the control socket's host command; revocation lists in gossip and the
 * revoke command. Each decodes or is refused with the identity package's own exception; none
 * throws anything else, and the CA verifies, and takes as its revocation list, only what its key
 * signed. The harness XORs the fuzzer's bytes onto real DER of each kind, or gives its bytes as they are.
 */
class CertificatesFuzzTest {
    @TempDir
    static Path dir;
    private static ClusterCa ca;
    private static byte[] node;
    private static byte[] issued;
    private static byte[] crl;

    @BeforeAll
    static void authority() throws Exception {
        CertificateAuthority authority = CertificateAuthority.init(dir.resolve("ca"), "test",
                IpPrefix.parse("100.64.0.0/16"), 30);
        authority.createIssuer("asg", IpPrefix.parse("100.64.128.0/20"), 30);
        ca = ClusterCa.decode(authority.publicCa().encoded());
        PrivateKey key = PrivateKey.generate(new SecureRandom());
        try (SigningKey signing = SigningKey.derive(key)) {
            node = authority.issue(CertificateAuthority.Request.node("web-1", key.publicKey(), signing.verifyingKey()))
                    .encoded();
        }
        Issuer issuer = Issuer.load(dir.resolve("ca/issuers/asg.crt"), dir.resolve("ca/issuers/asg.key"), ca,
                dir.resolve("issuing"), Duration.ofHours(1), Clock.systemUTC());
        PrivateKey other = PrivateKey.generate(new SecureRandom());
        try (SigningKey signing = SigningKey.derive(other)) {
            issued = issuer.issue(new Issuer.Request("web-2", other.publicKey(), signing.verifyingKey(), List.of(),
                    Duration.ofHours(2)), Set.of()).encoded();
        }
        crl = authority.revoke("web-1");
    }

    @FuzzTest
    void certificatesAndRevocations(FuzzedDataProvider data) {
        int kind = data.consumeInt(0, 3);
        boolean raw = data.consumeBoolean();
        byte[] real = switch (kind) {
            case 0 -> node;
            case 1 -> issued;
            case 2 -> ca.encoded();
            default -> crl;
        };
        byte[] mask = data.consumeRemainingAsBytes();
        byte[] der = raw ? mask : real.clone();
        if (!raw) {
            for (int i = 0; i < mask.length && i < der.length; i++) {
                der[i] ^= mask[i];
            }
        }
        try {
            switch (kind) {
                case 0, 1 -> {
                    NodeCertificate cert = NodeCertificate.decode(der);
                    try {
                        ca.verify(cert, Instant.now());
                        assertArrayEquals(real, cert.encoded(), "the CA verified a certificate it did not sign");
                    } catch (CertificateRejected e) {
                        // Refused: the usual answer to anything changed.
                    }
                }
                case 2 -> ClusterCa.decode(der);
                default -> {
                    try {
                        if (ca.acceptRevocations(der)) {
                            assertArrayEquals(crl, der, "a revocation list the CA did not sign was taken");
                        }
                    } catch (CertificateRejected e) {
                        // Refused.
                    }
                }
            }
        } catch (IdentityException e) {
            assertFalse(e.getMessage() == null || e.getMessage().isBlank(), "a refusal that says nothing");
        }
    }
}
