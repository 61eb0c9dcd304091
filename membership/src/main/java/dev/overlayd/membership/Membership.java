package dev.overlayd.membership;

import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * Where the cluster's member records live: the embedded gossip, which needs no other service, or
 * etcd. A node publishes its own record, follows everyone else's, and hears about revocations.
 */
public interface Membership extends AutoCloseable {
    /** The longest record key, in characters (printable ASCII, no spaces), and the largest record value, in bytes. */
    int MAX_RECORD_KEY = 200;
    int MAX_RECORD_VALUE = 1024;

    /** Publishes {@code self} and starts following the cluster; events go to {@code listener}. */
    void start(Member self, MembershipListener listener) throws IOException;

    /** Republishes this node's record, e.g. with a renewed certificate. */
    void update(Member self) throws IOException;

    /**
     * Publishes a static host's record ({@link Member#endpoint()} is where it listens): every node
     * makes it a peer, and it stays until its certificate is revoked or expires.
     */
    void host(Member host) throws IOException;

    /**
     * Publishes one of this node's records: small state that plugins share (a container's service
     * instance), which every node hears and which goes with this node's membership (leaving, a TTL
     * running out, a revocation: its records are gone everywhere). Only this node can write its
     * records: the backend signs them with its key and every node checks them against its
     * certificate. A null {@code value} withdraws the record. Returns once the change is on its way
     * (embedded) or written (etcd); a backend that is not started yet keeps it for the start.
     *
     * @throws IllegalArgumentException for a key or value past the limits above
     */
    void publish(String key, byte[] value) throws IOException;

    /**
     * The members whose records this node knows it does not hold as they are yet (a newer version
     * announced, a watch down), each with why, for {@code overlayctl}; empty when settled.
     */
    default Map<String, String> unsettled() {
        return Map.of();
    }

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
