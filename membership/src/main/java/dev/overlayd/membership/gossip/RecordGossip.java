package dev.overlayd.membership.gossip;

import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;
import dev.overlayd.membership.Admission;
import dev.overlayd.membership.Member;
import dev.overlayd.membership.MembershipListener;
import dev.overlayd.membership.identity.SigningKey;
import dev.overlayd.membership.identity.VerifyingKey;

/**
 * One node's side of the plugin records, sans threads, beside its {@link GossipNode}: a change to
 * its own set goes to every present node at once as a signed delta; its signed member record
 * announces the set's version in every beat, so a node that missed a delta (or joined later) sees
 * that it is behind and pulls the whole set, in signed parts, from the member itself. Pulls are
 * answered at a bounded rate: one member gets one answer per half interval, all of them
 * {@link #ANSWERS_PER_INTERVAL} together.
 *
 * <p>Only a present node's records are taken in, and only from the node itself, each part checked
 * against the certificate of the member's record held; see {@link HeldRecordSets} for what is kept.
 */
final class RecordGossip {
    private static final Logger LOG = Logger.getLogger(RecordGossip.class.getName());
    static final int ANSWERS_PER_INTERVAL = 16;

    private final String self;
    private final OwnRecordSet own;
    private final HeldRecordSets held;
    private final SigningKey signer;
    private final MemberTable table;
    private final Admission admission;
    private final GossipTransport transport;
    private final MembershipListener listener;
    private final GossipDrops drops;
    private final long intervalNanos;
    private final Map<String, Long> answered = new HashMap<>();
    private long windowStart;
    private int windowAnswers;

    RecordGossip(String self, OwnRecordSet own, SigningKey signer, MemberTable table, Admission admission,
            GossipTransport transport, MembershipListener listener, GossipDrops drops, Duration interval, Duration ttl) {
        this.self = self;
        this.own = own;
        this.signer = signer;
        this.table = table;
        this.admission = admission;
        this.transport = transport;
        this.listener = listener;
        this.drops = drops;
        this.intervalNanos = interval.toNanos();
        this.held = new HeldRecordSets(listener, drops, interval, ttl);
    }

    /** Tells the listener this node's own records when it published any before the start. */
    void start() {
        Map<String, byte[]> records = own.snapshot();
        if (!records.isEmpty()) {
            listener.records(self, records);
        }
    }

    /** Changes one of this node's records (null withdraws) and sends the delta to every present node. */
    void publish(String key, byte[] value) throws IOException {
        if (!own.change(key, value)) {
            return;
        }
        byte[] delta = RecordSetMessage.part(RecordSetPart.delta(own.version(), key, value, signer)).encode();
        for (Member m : table.nodes()) {
            if (held.carries(m.name())) {
                transport.sendGossip(delta, admission.address(m));
            }
        }
        listener.records(self, own.snapshot());
    }

    /** The version this node's signed record announces. */
    long version() {
        return own.version();
    }

    /** A record set message from {@code sender}, the present node at overlay address {@code from}. */
    void receive(byte[] datagram, String sender, InetAddress from, long now) {
        try {
            RecordSetMessage m = RecordSetMessage.decode(datagram);
            switch (m.kind()) {
                case RecordSetMessage.PART -> part(sender, m.signed(), now);
                case RecordSetMessage.PULL -> answer(sender, from, m.holds(), m.first(), now);
                default -> throw new Dropped(GossipDrops.Reason.MALFORMED, "a record set message of kind " + m.kind());
            }
        } catch (Dropped e) {
            drops.count(e.reason());
            LOG.fine("records from " + sender + " dropped: " + e.getMessage());
        }
    }

    /** {@code node}, present, announced its set at {@code version} in its signed record, heard from it ({@code firstHand}) or relayed. */
    void announced(Member node, long version, boolean firstHand, long now) {
        if (held.announced(node.name(), version, firstHand, now)) {
            pull(node);
        }
    }

    /** A member went: its records go with it. */
    void forget(String node, long now) {
        held.forget(node, now);
    }

    void tick(long now) {
        held.expire(now);
        answered.values().removeIf(at -> now - at > intervalNanos);
    }

    Map<String, String> unsettled(long now) {
        return held.unsettled(now);
    }

    /** A part from {@code sender}, a present node: its own, or refused. */
    private void part(String sender, RecordSetPart signed, long now) throws Dropped {
        RecordSetPart.Body b = signed.parse();
        if (!held.wanted(sender, b)) {
            return;
        }
        Member origin = table.alive(sender).member();
        VerifyingKey key = admission.signingKey(origin).orElseThrow(
                () -> new Dropped(GossipDrops.Reason.REFUSED, sender + ": its certificate signs nothing"));
        if (!signed.signedBy(key)) {
            throw new Dropped(GossipDrops.Reason.BAD_SIGNATURE, sender + ": a record set part not signed by its key");
        }
        if (held.take(sender, b, now)) {
            pull(origin);
        }
    }

    private void pull(Member node) {
        transport.sendGossip(RecordSetMessage.pull(held.holds(node.name()), held.firstMissing(node.name())).encode(),
                admission.address(node));
    }

    /**
     * Sends the whole set to a member that pulled it, unless it holds it already or asked too often,
     * from part {@code first} on (wrapping around), or from the first.
     */
    private void answer(String sender, InetAddress from, Long holds, Integer first, long now) throws Dropped {
        if (holds != null && holds == own.version()) {
            return;
        }
        if (now - windowStart >= intervalNanos) {
            windowStart = now;
            windowAnswers = 0;
        }
        Long last = answered.get(sender);
        if (last != null && now - last < intervalNanos / 2 || windowAnswers >= ANSWERS_PER_INTERVAL) {
            throw new Dropped(GossipDrops.Reason.RATE_LIMITED, sender + " pulled again within the interval");
        }
        answered.put(sender, now);
        windowAnswers++;
        List<RecordSetPart> parts = own.whole(signer);
        int start = first == null || first < 0 || first >= parts.size() ? 0 : first;
        for (int i = 0; i < parts.size(); i++) {
            transport.sendGossip(RecordSetMessage.part(parts.get((start + i) % parts.size())).encode(), from);
        }
    }
}
