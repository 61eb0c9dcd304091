package dev.overlayd.membership;

import java.net.InetAddress;
import java.util.Optional;
import dev.overlayd.membership.identity.VerifyingKey;
import dev.overlayd.noise.PublicKey;

/**
 * Which members a node lets in: those whose certificate this cluster's CA signed, that have not
 * expired, are not revoked, and are filed under the name their certificate gives.
 */
public interface Admission {
    /** Why {@code member} is not acceptable now, or null when it is. */
    String refusal(Member member);

    /** The WireGuard public key an acceptable member's certificate binds. */
    PublicKey publicKey(Member member);

    /** The overlay address an acceptable member's certificate gives it. */
    InetAddress address(Member member);

    /**
     * Whether the member is a static host: outside the cluster, running stock WireGuard, with no
     * heartbeat. It stays a member until its certificate is revoked or expires.
     */
    boolean isStaticHost(Member member);

    /**
     * The key an acceptable node's certificate binds for signing its own records; empty for a
     * static host, which says nothing itself.
     */
    Optional<VerifyingKey> signingKey(Member member);

    /** Where an acceptable static host's certificate says it listens ("host:port"); empty for a node. */
    Optional<String> staticEndpoint(Member member);

    /** When the member's certificate was issued: what orders a static host's records, which never beat. */
    long issuedMillis(Member member);

    /**
     * Whether the member's certificate, or its issuer's, is on the revocation list held: a refusal
     * for good, which the member is told (with the list, which it can check), so that it stops asking.
     */
    boolean isRevoked(Member member);

    /** Adopts a revocation list when the CA signed it and it is newer than the one held. */
    boolean adopt(byte[] revocationList);

    /** The revocation list held, to pass on to others, or null. */
    byte[] revocations();
}
