package dev.overlayd.membership;

import static dev.overlayd.membership.identity.TestKeys.signingKey;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import dev.overlayd.membership.identity.CertificateAuthority;
import dev.overlayd.membership.identity.ClusterCa;
import dev.overlayd.membership.identity.NodeCertificate;
import dev.overlayd.membership.identity.RevocationList;
import dev.overlayd.membership.identity.SavedRevocations;
import dev.overlayd.noise.PrivateKey;
import dev.overlayd.peers.IpPrefix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Revocations adopted from any backend outlive the node: a restarted node still refuses the revoked. */
class CaAdmissionTest {
    @TempDir
    Path dir;

    @Test
    void aRevocationAdoptedIsStillHeldAfterARestart() throws Exception {
        CertificateAuthority authority = CertificateAuthority.init(dir.resolve("ca"), "prod", IpPrefix.parse("100.64.0.0/16"), 30);
        NodeCertificate h2 = authority.issue(CertificateAuthority.Request.node("h2",
                PrivateKey.generate(new SecureRandom()).publicKey(), signingKey()));
        Member member = new Member("h2", h2.encoded(), null);
        Path state = dir.resolve("state");
        byte[] crl = authority.revoke("h2");

        CaAdmission before = start(state);
        assertNull(before.refusal(member));
        assertTrue(before.adopt(crl));
        assertFalse(before.adopt(crl), "an old list is not adopted, nor saved, twice");
        assertArrayEquals(crl, RevocationList.read(state.resolve("revoked.crl")));

        CaAdmission after = start(state);
        assertEquals("h2: certificate revoked", after.refusal(member));
        assertArrayEquals(crl, after.revocations());
    }

    /** As a node starts: its own copy of the CA, with what its state directory holds. */
    private CaAdmission start(Path state) throws Exception {
        ClusterCa ca = ClusterCa.read(dir.resolve("ca/ca.crt"));
        SavedRevocations saved = new SavedRevocations(state);
        saved.restore(ca, null);
        return new CaAdmission(ca, Clock.systemUTC(), saved);
    }
}
