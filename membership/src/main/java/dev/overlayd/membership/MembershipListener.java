package dev.overlayd.membership;

import java.util.Map;

/**
 * What a backend tells the node about the cluster. Calls come from the backend's own thread, one at
 * a time; a listener must not block for long.
 */
public interface MembershipListener {
    /** A node is in the cluster, or its record changed (a new endpoint, a renewed certificate). */
    void present(Member member);

    /** A node is gone: it left, its record's TTL ran out, or it was revoked. */
    void absent(Member member, String why);

    /**
     * A member's records (see {@link Membership#publish}), all of them as they are now, each call
     * replacing the last; signed by that member, checked by the backend against the certificate of
     * its record. This node's own records are reported too, once the backend has them.
     */
    default void records(String member, Map<String, byte[]> records) {}

    /** A CA-signed certificate revocation list (DER), newer than any seen before. */
    void revoked(byte[] revocationList);
}
