package dev.overlayd.membership;

import java.net.InetAddress;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Logger;
import dev.overlayd.membership.identity.CertificateRejected;
import dev.overlayd.membership.identity.ClusterCa;
import dev.overlayd.membership.identity.IdentityException;
import dev.overlayd.membership.identity.NodeCertificate;
import dev.overlayd.membership.identity.VerifyingKey;
import dev.overlayd.membership.identity.SavedRevocations;
import dev.overlayd.noise.PublicKey;

/**
 * Admission by the cluster's CA: its signature, the validity period, its revocations, the name. A
 * revocation list adopted here, from whichever backend, is saved for the node's next start.
 */
public final class CaAdmission implements Admission {
    private static final Logger LOG = Logger.getLogger(CaAdmission.class.getName());
    /** Decoded certificates by their bytes' fingerprint, so that gossip does not parse X.509 on every beat. */
    private static final int CACHE_SIZE = 4096;

    private final ClusterCa ca;
    private final Clock clock;
    private final SavedRevocations saved;
    private final Map<String, NodeCertificate> decoded = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, NodeCertificate> eldest) {
            return size() > CACHE_SIZE;
        }
    };

    public CaAdmission(ClusterCa ca, Clock clock, SavedRevocations saved) {
        this.ca = ca;
        this.clock = clock;
        this.saved = saved;
    }

    /** The member's certificate when it is admitted; otherwise why not. */
    public NodeCertificate check(Member member) throws CertificateRejected {
        NodeCertificate cert;
        try {
            cert = decode(member.certificate());
        } catch (IdentityException e) {
            throw new CertificateRejected(member.name() + ": " + e.getMessage());
        }
        if (!cert.name().equals(member.name())) {
            throw new CertificateRejected(member.name() + ": the certificate is " + cert.name() + "'s");
        }
        ca.verify(cert, clock.instant());
        return cert;
    }

    @Override
    public String refusal(Member member) {
        try {
            check(member);
            return null;
        } catch (CertificateRejected e) {
            return e.getMessage();
        }
    }

    @Override
    public PublicKey publicKey(Member member) {
        return certificate(member).publicKey();
    }

    @Override
    public InetAddress address(Member member) {
        return certificate(member).address();
    }

    @Override
    public boolean isStaticHost(Member member) {
        return certificate(member).kind() == NodeCertificate.Kind.STATIC_HOST;
    }

    @Override
    public Optional<VerifyingKey> signingKey(Member member) {
        return certificate(member).signingKey();
    }

    @Override
    public Optional<String> staticEndpoint(Member member) {
        return certificate(member).endpoint();
    }

    @Override
    public long issuedMillis(Member member) {
        return certificate(member).notBefore().toEpochMilli();
    }

    @Override
    public boolean isRevoked(Member member) {
        try {
            return ca.revokedAt(decode(member.certificate())).isPresent();
        } catch (IdentityException e) {
            return false;
        }
    }

    /** One at a time: two lists adopted at once must not be saved in the other order. */
    @Override
    public synchronized boolean adopt(byte[] revocationList) {
        try {
            if (!ca.acceptRevocations(revocationList)) {
                return false;
            }
        } catch (CertificateRejected e) {
            return false;
        }
        try {
            saved.save(revocationList);
        } catch (IdentityException e) {
            LOG.warning("revocation list adopted but not saved, a restart would forget it: " + e.getMessage());
        }
        return true;
    }

    @Override
    public byte[] revocations() {
        return ca.revocations();
    }

    private NodeCertificate certificate(Member member) {
        try {
            return decode(member.certificate());
        } catch (IdentityException e) {
            throw new IllegalArgumentException(member.name() + " was never admitted: " + e.getMessage());
        }
    }

    private synchronized NodeCertificate decode(byte[] der) throws IdentityException {
        String key = java.util.HexFormat.of().formatHex(sha256(der));
        NodeCertificate cert = decoded.get(key);
        if (cert == null) {
            cert = NodeCertificate.decode(der);
            decoded.put(key, cert);
        }
        return cert;
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return java.security.MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
