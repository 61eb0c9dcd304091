package dev.overlayd.membership.identity;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import dev.overlayd.noise.PublicKey;
import dev.overlayd.peers.IpPrefix;

/**
 * A member that may issue node certificates: its intermediate certificate and key (never the root's)
 * and its ledger of what it issued (in its state directory), which is how a subnet comes back to the
 * pool only once its holder has left for good. Thread-safe.
 */
public final class Issuer {
    public static final Duration DEFAULT_LIFETIME = Duration.ofDays(7);
    public static final Duration MIN_LIFETIME = Duration.ofMinutes(1);
    public static final Duration DEFAULT_GRACE = Duration.ofHours(24);

    /** What an enrolling node asks for; its address and subnet are allocated. */
    public record Request(String name, PublicKey publicKey, VerifyingKey signingKey, List<String> groups,
                          Duration lifetime) {}

    private Issuer() {
        throw new UnsupportedOperationException("issue 15: identity helper");
    }

    /**
     * Loads the issuer: {@code certificate} and {@code key} as {@code overlayctl ca issuer} wrote them,
     * checked against the root {@code ca}; the ledger lives in {@code stateDirectory} (0700).
     */
    public static Issuer load(Path certificate, Path key, ClusterCa ca, Path stateDirectory, Duration grace, Clock clock)
            throws IdentityException {
        throw new UnsupportedOperationException("issue 15: identity helper");
    }

    public IssuerCertificate certificate() {
        throw new UnsupportedOperationException("issue 15: identity helper");
    }

    /**
     * Issues a certificate for a new node, with the next subnet of this issuer's range that no live
     * certificate in the ledger and no member in {@code heldByMembers} (the subnets of the members
     * this node sees now) holds; a name with a live certificate of another key is refused.
     */
    public NodeCertificate issue(Request request, Set<IpPrefix> heldByMembers) throws IdentityException {
        throw new UnsupportedOperationException("issue 15: identity helper");
    }

    /**
     * Renews a certificate this issuer signed and that is still valid: same name, key, address,
     * subnet and groups, a new serial and validity of {@code lifetime}.
     */
    public NodeCertificate renew(NodeCertificate current, Duration lifetime) throws IdentityException {
        throw new UnsupportedOperationException("issue 15: identity helper");
    }
}
