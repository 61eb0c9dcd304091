package dev.overlayd.membership.gossip;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.function.LongSupplier;
import dev.overlayd.membership.Admission;
import dev.overlayd.membership.Member;
import dev.overlayd.membership.MembershipListener;
import dev.overlayd.membership.identity.SigningKey;

/**
 * The cluster as one node sees it, sans I/O: records in, with the time they arrive; events out.
 * A member is present while its heartbeat keeps counting up; one whose heartbeat stalls for the
 * TTL, that announces it left, or whose certificate is no longer admitted is absent; a static host,
 * which never beats, only the last. Absent
 * members are remembered for {@link #FORGET_AFTER}: their last records keep stale copies from
 * bringing them back, and those that did not leave are where to look when a partition heals.
 * Records come in already checked (a node's signed by itself, a static host's from its certificate);
 * this node's own it signs here, on every change, with the version of its plugin records.
 */
final class MemberTable {
    static final Duration FORGET_AFTER = Duration.ofHours(1);

    private record Alive(Record record, long heardAt) {}

    private record Gone(Record record, long goneAt) {}

    private final Map<String, Alive> alive = new HashMap<>();
    private final Map<String, Gone> gone = new HashMap<>();
    private final long ttlNanos;
    /** How many beats a member sends in a TTL: the heartbeat lead that proves a timed-out member alive. */
    private final long beatsPerTtl;
    private final Admission admission;
    private final MembershipListener listener;
    private final SigningKey key;
    private final LongSupplier records;
    private Record self;

    /**
     * @param incarnation this node's start time: later than any earlier life's
     * @param records the version of this node's plugin records, as it is when the record is signed
     */
    MemberTable(Member self, long incarnation, SigningKey key, Duration ttl, Duration interval, Admission admission,
            MembershipListener listener, LongSupplier records) {
        this.key = key;
        this.records = records;
        this.self = SignedRecord.sign(self, incarnation, 0, false, records.getAsLong(), key);
        this.ttlNanos = ttl.toNanos();
        this.beatsPerTtl = Math.max(1, ttl.toNanos() / interval.toNanos());
        this.admission = admission;
        this.listener = listener;
    }

    Record self() {
        return self;
    }

    /** Counts this node's heartbeat up; returns its new record. */
    Record beat() {
        self = SignedRecord.sign(self.member(), self.incarnation(), self.heartbeat() + 1, self.left(), records.getAsLong(), key);
        return self;
    }

    /** This node's record with a new member (a renewed certificate, its own endpoint found); returns it. */
    Record update(Member member) {
        self = SignedRecord.sign(member, self.incarnation(), self.heartbeat() + 1, self.left(), records.getAsLong(), key);
        return self;
    }

    Record leave() {
        self = SignedRecord.sign(self.member(), self.incarnation(), self.heartbeat() + 1, true, records.getAsLong(), key);
        return self;
    }

    /** The last record taken in for {@code name}, present or gone, or null. */
    Record held(String name) {
        Alive a = alive.get(name);
        if (a != null) {
            return a.record();
        }
        Gone g = gone.get(name);
        return g == null ? null : g.record();
    }

    /** The record of {@code name} while it is present, or null. */
    Record alive(String name) {
        Alive a = alive.get(name);
        return a == null ? null : a.record();
    }

    /**
     * Whether a record of {@code name} with this version would change anything here: what is
     * asked before a record's signature is checked, as most copies in a sync are stale.
     */
    boolean isNews(String name, long incarnation, long heartbeat, boolean left) {
        return !name.equals(self.name()) && newer(name, incarnation, heartbeat, left);
    }

    /**
     * Merges records heard from {@code sender} (a member's name; its own record is first-hand, the
     * others it passes on are not); returns those that were news (a member appeared, changed or
     * left), which the caller passes on. Beats and stale copies are not news.
     */
    List<Record> merge(Collection<Record> records, long now, String sender) {
        List<Record> news = new ArrayList<>();
        for (Record r : records) {
            if (!isNews(r.name(), r.incarnation(), r.heartbeat(), r.left())) {
                continue;
            }
            Alive was = alive.get(r.name());
            if (r.left()) {
                gone.put(r.name(), new Gone(r, now));
                if (was != null) {
                    alive.remove(r.name());
                    listener.absent(r.member(), "left the cluster");
                }
                news.add(r);
                continue;
            }
            gone.remove(r.name());
            // A member is alive for as long as this node hears from it: a later heartbeat passed on by
            // another is a newer version, not a sign of life here. Otherwise a dead member's last beat,
            // missed here and passed on a second later, would keep it for that much past the TTL.
            boolean firstHand = was == null || r.name().equals(sender);
            alive.put(r.name(), new Alive(r, firstHand ? now : was.heardAt()));
            if (was == null || !was.record().member().equals(r.member())) {
                listener.present(r.member());
                news.add(r);
            }
        }
        return news;
    }

    /**
     * Makes absent the members whose heartbeat stalled for the TTL and those no longer admitted
     * (revoked, expired), and forgets long-gone ones.
     */
    void expire(long now) {
        for (Iterator<Alive> it = alive.values().iterator(); it.hasNext(); ) {
            Alive a = it.next();
            String refusal = admission.refusal(a.record().member());
            boolean silent = !admission.isStaticHost(a.record().member()) && now - a.heardAt() > ttlNanos;
            String why = refusal != null ? refusal
                    : silent ? "no heartbeat for " + Duration.ofNanos(ttlNanos).toSeconds() + "s"
                    : null;
            if (why != null) {
                it.remove();
                gone.put(a.record().name(), new Gone(a.record(), now));
                listener.absent(a.record().member(), why);
            }
        }
        gone.values().removeIf(g -> now - g.goneAt() > FORGET_AFTER.toNanos());
    }

    /** Everything worth passing on in a sync: the members present, those that left, and this node. */
    List<Record> records() {
        List<Record> out = new ArrayList<>(alive.size() + 1);
        out.add(self);
        for (Alive a : alive.values()) {
            out.add(a.record());
        }
        for (Gone g : gone.values()) {
            if (g.record().left()) {
                out.add(g.record());
            }
        }
        return out;
    }

    /** {@link #records()} by name, in order: what a sync's digest takes its ranges from. */
    NavigableMap<String, Record> byName() {
        NavigableMap<String, Record> out = new TreeMap<>();
        for (Record r : records()) {
            out.put(r.name(), r);
        }
        return out;
    }

    List<Member> present() {
        List<Member> out = new ArrayList<>(alive.size());
        for (Alive a : alive.values()) {
            out.add(a.record().member());
        }
        return out;
    }

    /** The present members that run overlayd: those to gossip with, static hosts left out. */
    List<Member> nodes() {
        List<Member> out = new ArrayList<>(alive.size());
        for (Alive a : alive.values()) {
            if (!admission.isStaticHost(a.record().member())) {
                out.add(a.record().member());
            }
        }
        return out;
    }

    /**
     * Present nodes not heard from first-hand for longer than {@code afterNanos}: gone quiet before
     * their TTL, as a node that crashed and restarted does, knowing nobody (a seed) and beating to nobody.
     */
    List<Member> silent(long now, long afterNanos) {
        List<Member> out = new ArrayList<>();
        for (Alive a : alive.values()) {
            if (!admission.isStaticHost(a.record().member()) && now - a.heardAt() > afterNanos) {
                out.add(a.record().member());
            }
        }
        return out;
    }

    /** Nodes that vanished without leaving: where a healed partition's other side may be. */
    List<Member> lost() {
        List<Member> out = new ArrayList<>();
        for (Gone g : gone.values()) {
            if (!g.record().left() && !admission.isStaticHost(g.record().member())) {
                out.add(g.record().member());
            }
        }
        return out;
    }

    private boolean newer(String name, long incarnation, long heartbeat, boolean left) {
        Alive a = alive.get(name);
        if (a != null) {
            return Record.newer(incarnation, heartbeat, left, a.record());
        }
        Gone g = gone.get(name);
        if (g == null) {
            return true;
        }
        Record last = g.record();
        // One that left needs a new incarnation, as a stale copy of its life before leaving carries an
        // older one. One that timed out needs a new incarnation too, or a heartbeat a TTL's worth of
        // beats past the one it went with: a dead member's last beat, which this node missed and
        // another passes on, must not bring it back for another TTL; a live one across a healed
        // partition has beaten on all along.
        if (incarnation != last.incarnation() || last.left()) {
            return Record.newer(incarnation, heartbeat, left, last);
        }
        return heartbeat >= last.heartbeat() + beatsPerTtl;
    }
}
