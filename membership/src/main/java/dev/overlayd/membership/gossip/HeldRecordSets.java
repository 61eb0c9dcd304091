package dev.overlayd.membership.gossip;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import dev.overlayd.membership.MembershipListener;

/**
 * The other nodes' plugin records as this node holds them, sans I/O: parts whose signatures were
 * checked in, each member's whole set out to the listener whenever it changes, and what to pull.
 * A member's set is replaced only by a newer version: by a delta from exactly the version held, or
 * by all the parts of a whole set, assembled one version at a time (a newer version's part drops
 * an older partial set, as does silence for the TTL). A node that does not hold what a member
 * announces (in its signed record, or by a delta it cannot apply) pulls the whole set from it, once
 * an interval at most.
 *
 * <p>When a member goes (it left, its TTL ran out, it was revoked), its records go with it, and its
 * last version stays as a floor: nothing older is taken in again, so late datagrams never bring
 * back what it had, while the same set, pulled again once it is back (a healed partition), is.
 */
final class HeldRecordSets {
    private static final class Held {
        Map<String, byte[]> records = Map.of();
        /** The version of {@link #records}; once the member went, the floor below which nothing is taken in. */
        long version;
        /** Whether {@link #records} is the member's set at {@link #version}: false before the first and after it went. */
        boolean holds;
        /** The newest version the member announced that is not held yet, and since when: 0 when settled. */
        long announced;
        long behindSince;
        long lastPull;
        boolean pulled;
        Assembly assembly;
        /** When the member went, or 0 while it is present. */
        long goneAt;
    }

    /** A whole set coming in: the parts of one version received so far. */
    private static final class Assembly {
        final long version;
        final List<List<RecordSetPart.Entry>> parts;
        int received;
        int records;
        long bytes;
        long lastPartAt;

        Assembly(long version, int parts, long now) {
            this.version = version;
            this.parts = new ArrayList<>(Collections.nCopies(parts, null));
            this.lastPartAt = now;
        }
    }

    private final Map<String, Held> held = new HashMap<>();
    private final MembershipListener listener;
    private final GossipDrops drops;
    private final long pullEveryNanos;
    private final long assemblyTimeoutNanos;

    /** @param pullEvery how often one member is pulled at most; @param assemblyTimeout how long a partial set waits for its next part */
    HeldRecordSets(MembershipListener listener, GossipDrops drops, Duration pullEvery, Duration assemblyTimeout) {
        this.listener = listener;
        this.drops = drops;
        this.pullEveryNanos = pullEvery.toNanos();
        this.assemblyTimeoutNanos = assemblyTimeout.toNanos();
    }

    /**
     * Whether a part with this body could change anything here: what is asked before its signature
     * is checked, as replays and parts already held are common.
     */
    boolean wanted(String node, RecordSetPart.Body b) {
        Held h = held.get(node);
        if (h == null) {
            return true;
        }
        if (b.delta()) {
            return b.version() > h.version;
        }
        if (b.version() < h.version || h.holds && b.version() == h.version) {
            return false;
        }
        Assembly a = h.assembly;
        return a == null || a.version < b.version() || a.version == b.version() && a.parts.get(b.part()) == null;
    }

    /** Takes in a part of a present member's, its signature checked; returns whether to pull the member's whole set now. */
    boolean take(String node, RecordSetPart.Body b, long now) {
        Held h = held.computeIfAbsent(node, n -> new Held());
        if (b.delta()) {
            if (h.holds && b.base() == h.version) {
                Map<String, byte[]> next = new TreeMap<>(h.records);
                for (RecordSetPart.Entry e : b.entries()) {
                    if (e.value() == null) {
                        next.remove(e.key());
                    } else {
                        next.put(e.key(), e.value());
                    }
                }
                adopt(node, h, b.version(), next);
                return false;
            }
            note(h, b.version(), now);
            return pullDue(h, now);
        }
        Assembly a = h.assembly;
        if (a == null || a.version < b.version()) {
            a = h.assembly = new Assembly(b.version(), b.parts(), now);
        } else if (a.parts.size() != b.parts()) {
            drops.count(GossipDrops.Reason.MALFORMED);
            return false;
        }
        a.parts.set(b.part(), b.entries());
        a.received++;
        a.records += b.entries().size();
        a.lastPartAt = now;
        for (RecordSetPart.Entry e : b.entries()) {
            a.bytes += OwnRecordSet.bytes(e.key(), e.value());
        }
        if (a.records > OwnRecordSet.MAX_RECORDS || a.bytes > OwnRecordSet.MAX_BYTES) {
            h.assembly = null;
            drops.count(GossipDrops.Reason.RECORDS_LIMIT);
            return false;
        }
        if (a.received == a.parts.size()) {
            h.assembly = null;
            Map<String, byte[]> next = new TreeMap<>();
            a.parts.forEach(part -> part.forEach(e -> next.put(e.key(), e.value())));
            adopt(node, h, a.version, next);
        }
        return false;
    }

    /**
     * Notes that {@code node} announced its set at {@code version}, itself ({@code firstHand}) or
     * through another; returns whether to pull it now. Only a member's own word is a reason to pull:
     * it shows that the member knows this node, and so will answer it.
     */
    boolean announced(String node, long version, boolean firstHand, long now) {
        Held h = held.computeIfAbsent(node, n -> new Held());
        // Only a present member announces: one that went and is back takes in again from its floor.
        h.goneAt = 0;
        if (version < h.version || h.holds && version == h.version) {
            return false;
        }
        note(h, version, now);
        return firstHand && pullDue(h, now);
    }

    /** Whether {@code node} announces a records version, and so reads record set messages. */
    boolean carries(String node) {
        Held h = held.get(node);
        return h != null && h.goneAt == 0;
    }

    /** The version of {@code node}'s set held, or null when none is: what a pull names. */
    Long holds(String node) {
        Held h = held.get(node);
        return h == null || !h.holds ? null : h.version;
    }

    /** The first part missing of the set of {@code node}'s being assembled, or null: where a pull asks the answer to start. */
    Integer firstMissing(String node) {
        Held h = held.get(node);
        if (h == null || h.assembly == null) {
            return null;
        }
        int first = h.assembly.parts.indexOf(null);
        return first < 0 ? null : first;
    }

    /** Drops the records of a member that went, telling the listener when it had been told any; its version stays as a floor. */
    void forget(String node, long now) {
        Held h = held.get(node);
        if (h == null) {
            return;
        }
        boolean told = !h.records.isEmpty();
        h.records = Map.of();
        h.holds = false;
        h.announced = 0;
        h.assembly = null;
        h.pulled = false;
        h.goneAt = now;
        if (told) {
            listener.records(node, Map.of());
        }
    }

    /** Drops partial sets that waited too long for their next part, and the floors of members long gone. */
    void expire(long now) {
        held.values().removeIf(h -> h.goneAt != 0 && now - h.goneAt > MemberTable.FORGET_AFTER.toNanos());
        for (Held h : held.values()) {
            if (h.assembly != null && now - h.assembly.lastPartAt > assemblyTimeoutNanos) {
                h.assembly = null;
            }
        }
    }

    /** The members whose announced set this node does not hold yet, each with why. */
    Map<String, String> unsettled(long now) {
        Map<String, String> out = new TreeMap<>();
        held.forEach((node, h) -> {
            if (h.announced == 0) {
                return;
            }
            String why = (h.holds ? "holds records v" + h.version : "holds no records") + ", announced v" + h.announced
                    + " " + Duration.ofNanos(now - h.behindSince).toSeconds() + " s ago";
            if (h.assembly != null) {
                why += "; " + h.assembly.received + " of " + h.assembly.parts.size() + " parts of v" + h.assembly.version + " in";
            }
            out.put(node, why);
        });
        return out;
    }

    /** Notes that the member is at {@code version}, newer than held. */
    private static void note(Held h, long version, long now) {
        if (h.announced == 0) {
            h.behindSince = now;
        }
        h.announced = Math.max(h.announced, version);
    }

    /** Whether the member may be pulled now, at most once an interval; a pull due is counted as made. */
    private boolean pullDue(Held h, long now) {
        if (h.pulled && now - h.lastPull < pullEveryNanos) {
            return false;
        }
        h.pulled = true;
        h.lastPull = now;
        return true;
    }

    private void adopt(String node, Held h, long version, Map<String, byte[]> next) {
        long bytes = 0;
        for (Map.Entry<String, byte[]> e : next.entrySet()) {
            bytes += OwnRecordSet.bytes(e.getKey(), e.getValue());
        }
        if (next.size() > OwnRecordSet.MAX_RECORDS || bytes > OwnRecordSet.MAX_BYTES) {
            drops.count(GossipDrops.Reason.RECORDS_LIMIT);
            return;
        }
        boolean told = h.holds || !next.isEmpty();
        h.records = Collections.unmodifiableMap(next);
        h.version = version;
        h.holds = true;
        if (h.announced <= version) {
            h.announced = 0;
        }
        if (told) {
            listener.records(node, h.records);
        }
    }
}
