package dev.overlayd.membership;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Level;
import java.util.logging.Logger;
import dev.overlayd.membership.identity.CertificateRejected;
import dev.overlayd.membership.identity.NodeCertificate;
import dev.overlayd.noise.PublicKey;
import dev.overlayd.peers.Device;
import dev.overlayd.peers.IpPrefix;
import dev.overlayd.peers.Peer;
import dev.overlayd.peers.uapi.UapiValues;

/**
 * Keeps the device's peers equal to the admitted members, whichever backend reports them: a
 * present member is a peer with its key, endpoint and allowed IPs (its address and container
 * subnet); an absent or no longer admitted one is removed, its sessions wiped with it. A member
 * whose allowed IPs overlap this node's or another configured member's waits: WireGuard would
 * move the prefix to whoever came last, so a revoked node that this node has not heard revoked
 * yet could take over the block the CA has since issued to a new one. The member that holds the
 * prefix keeps it; a waiting one is checked again when a holder goes. Any number of {@link Watcher}s
 * follow the configured members: the view of the cluster after admission, never the raw records.
 */
public final class ClusterPeers implements MembershipListener {
    private static final Logger LOG = Logger.getLogger(ClusterPeers.class.getName());

    /** What this node configured for a member, to report and to undo. */
    public record Configured(Member member, NodeCertificate certificate) {}

    /**
     * Follows the configured members; called with this object's lock held, one call at a time, so
     * a watcher must not block. One that throws is logged and the others still hear the change.
     */
    public interface Watcher {
        /** A member is configured as a peer, or its record changed. */
        void configured(Configured member);

        /** A configured member is removed: it left, timed out, or is no longer admitted. */
        void removed(Configured member, String why);

        /**
         * The records of a configured member or of this node (by name), all of them, replacing the
         * last call's; a member's records are reported empty before it is removed.
         */
        default void records(String member, Map<String, byte[]> records) {}
    }

    /** Stops a watcher; closing twice is harmless. */
    public interface Watch extends AutoCloseable {
        @Override
        void close();
    }

    private final Device device;
    private final CaAdmission admission;
    private final NodeCertificate self;
    private final Runnable revocations;
    private final Map<String, Configured> configured = new ConcurrentHashMap<>();
    /** Admitted members refused for an overlap, by name, in the order they came. */
    private final Map<String, Member> waiting = new LinkedHashMap<>();
    private final List<Watcher> watchers = new CopyOnWriteArrayList<>();
    /**
     * Every member's records as the backend last reported them, kept also for members not configured
     * (yet): a backend may report the records before the member, and they are told once it is.
     */
    private final Map<String, Map<String, byte[]>> records = new HashMap<>();

    /**
     * @param self this node's certificate: its allowed IPs are no member's
     * @param revocations told after each revocation list adopted, whichever backend brought it: the
     *     node checks whether it is itself revoked
     */
    public ClusterPeers(Device device, CaAdmission admission, NodeCertificate self, Runnable revocations) {
        this.device = device;
        this.admission = admission;
        this.self = self;
        this.revocations = revocations;
    }

    @Override
    public synchronized void present(Member member) {
        NodeCertificate cert;
        try {
            cert = admission.check(member);
        } catch (CertificateRejected e) {
            waiting.remove(member.name());
            LOG.warning("refused member: " + e.getMessage());
            return;
        }
        String overlap = overlap(member.name(), cert);
        if (overlap != null) {
            // Said once per record: a backend reports a member again only when its record changed.
            if (!member.equals(waiting.put(member.name(), member))) {
                LOG.warning("refused member " + member.name() + ": " + overlap + "; it is let in once that is gone");
            }
            return;
        }
        waiting.remove(member.name());
        Configured was = configured.get(member.name());
        if (was != null && !was.certificate().publicKey().equals(cert.publicKey())) {
            device.removePeer(was.certificate().publicKey());
        }
        Peer peer = device.peer(cert.publicKey());
        boolean added = peer == null;
        if (added) {
            peer = device.addPeer(cert.publicKey());
        }
        if (member.endpoint() != null) {
            device.setEndpoint(peer, member.endpoint());
        }
        device.clearAllowedIps(peer);
        for (IpPrefix prefix : cert.allowedIps()) {
            device.addAllowedIp(peer, prefix);
        }
        Configured now = new Configured(member, cert);
        configured.put(member.name(), now);
        tell(w -> w.configured(now));
        Map<String, byte[]> held = records.get(member.name());
        if (was == null && held != null) {
            tell(w -> w.records(member.name(), held));
        }
        if (added && member.endpoint() != null && cert.kind() == NodeCertificate.Kind.NODE) {
            // The tunnel is made now, not on the first packet: a new member is reachable at once. Not
            // to a static host, published before it runs: unanswered, the handshake would be retried
            // every 5 s, and the first packet once it runs would wait for the next retry.
            device.sendKeepalive(peer);
        }
        if (was == null) {
            LOG.info("member " + member.name() + " present: " + cert.address().getHostAddress() + ", subnet "
                    + cert.subnet() + ", endpoint " + endpoint(member));
        }
    }

    @Override
    public synchronized void absent(Member member, String why) {
        waiting.remove(member.name());
        Configured was = configured.remove(member.name());
        Map<String, byte[]> held = records.remove(member.name());
        if (was != null) {
            device.removePeer(was.certificate().publicKey());
            LOG.info("member " + member.name() + " removed: " + why);
            if (held != null && !held.isEmpty()) {
                tell(w -> w.records(member.name(), Map.of()));
            }
            tell(w -> w.removed(was, why));
            for (Member next : List.copyOf(waiting.values())) {
                present(next);
            }
        }
    }

    /**
     * Records reported by the backend: told to the watchers if they are this node's or a configured
     * member's, else kept until the member is configured. Records of a member that goes are dropped.
     */
    @Override
    public synchronized void records(String member, Map<String, byte[]> now) {
        Map<String, byte[]> copy = Map.copyOf(now);
        records.put(member, copy);
        if (member.equals(self.name()) || configured.containsKey(member)) {
            tell(w -> w.records(member, copy));
        }
    }

    /**
     * {@code watcher} hears every configured member now, with its records and this node's, then
     * each change until the watch is closed.
     */
    public synchronized Watch watch(Watcher watcher) {
        for (Configured c : configured.values()) {
            tell(watcher, w -> w.configured(c));
            Map<String, byte[]> held = records.get(c.member().name());
            if (held != null) {
                tell(watcher, w -> w.records(c.member().name(), held));
            }
        }
        Map<String, byte[]> own = records.get(self.name());
        if (own != null) {
            tell(watcher, w -> w.records(self.name(), own));
        }
        watchers.add(watcher);
        return () -> watchers.remove(watcher);
    }

    private void tell(java.util.function.Consumer<Watcher> event) {
        for (Watcher w : watchers) {
            tell(w, event);
        }
    }

    private static void tell(Watcher watcher, java.util.function.Consumer<Watcher> event) {
        try {
            event.accept(watcher);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "a member watcher failed; the others carry on: " + e, e);
        }
    }

    /** The members configured as peers now. */
    public List<Configured> configured() {
        return List.copyOf(configured.values());
    }

    /** The admitted members held back for an overlap, by name: let in once the holder is gone. */
    public synchronized java.util.Set<String> waiting() {
        return java.util.Set.copyOf(waiting.keySet());
    }

    /** The configured member of that name, or null. */
    public Configured configured(String name) {
        return configured.get(name);
    }

    /** What of {@code cert}'s allowed IPs another holds: this node, or a configured member but {@code name}. */
    private String overlap(String name, NodeCertificate cert) {
        for (IpPrefix wanted : cert.allowedIps()) {
            for (IpPrefix own : self.allowedIps()) {
                if (wanted.overlaps(own)) {
                    return wanted + " overlaps this node's " + own;
                }
            }
            for (Configured c : configured.values()) {
                if (c.member().name().equals(name)) {
                    continue;
                }
                for (IpPrefix held : c.certificate().allowedIps()) {
                    if (wanted.overlaps(held)) {
                        return wanted + " overlaps " + c.member().name() + "'s " + held;
                    }
                }
            }
        }
        return null;
    }

    @Override
    public synchronized void revoked(byte[] revocationList) {
        admission.adopt(revocationList);
        recheck();
        revocations.run();
    }

    /** Removes the members no longer admitted: revoked, or their certificate expired. */
    public synchronized void recheck() {
        for (Configured c : configured.values()) {
            String refusal = admission.refusal(c.member());
            if (refusal != null) {
                absent(c.member(), refusal);
            }
        }
    }

    private static String endpoint(Member member) {
        return member.endpoint() == null ? "unknown" : UapiValues.formatEndpoint(member.endpoint());
    }

    /** The configured member whose certificate binds {@code key}, if any. */
    public Configured byKey(PublicKey key) {
        for (Configured c : configured.values()) {
            if (c.certificate().publicKey().equals(key)) {
                return c;
            }
        }
        return null;
    }
}
