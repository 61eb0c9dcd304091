package dev.overlayd.membership;

import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * Where the cluster's member records live: the embedded gossip, which needs no other service, or
 * etcd. A node publishes its own record, follows everyone else's, and hears about revocations.
 */
public interface Membership extends AutoCloseable {
    /** Publishes {@code self} and starts following the cluster; events go to {@code listener}. */
    void start(Member self, MembershipListener listener) throws IOException;

    /** Republishes this node's record, e.g. with a renewed certificate. */
    void update(Member self) throws IOException;

    /**
     * Publishes a static host's record ({@link Member#endpoint()} is where it listens): every node
     * makes it a peer, and it stays until its certificate is revoked or expires.
     */
    void host(Member host) throws IOException;

    /** Spreads a CA-signed revocation list (DER) to every node. */
    void revoke(byte[] revocationList) throws IOException;

    /** The members this node currently knows, itself included. */
    List<Member> members();

    /** What the backend dropped so far, by reason (forged records, junk, floods); empty when it counts none. */
    default Map<String, Long> drops() {
        return Map.of();
    }

    /**
     * Leaves the cluster: the others drop this node at once instead of waiting for its TTL. The
     * backend is closed afterwards.
     */
    void leave();

    /** Stops following the cluster without announcing a departure (a crash looks the same). */
    @Override
    void close();
}
