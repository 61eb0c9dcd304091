package dev.overlayd.membership.etcd;

import dev.overlayd.membership.Membership;
import dev.overlayd.membership.identity.VerifyingKey;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import java.util.logging.Logger;

/**
 * The other nodes' records ({@link Membership#publish}) as etcd holds them under
 * {@code records/<member>/<key>}, which of them to believe, and what the listener must hear.
 *
 * <p>Each node is authoritative for its own records and only it: a record counts when it is signed
 * by the key the certificate in its member's record binds, names the member and key it is filed
 * under, and is newer than anything this node has believed of that member. A node writes its
 * records one after another, each with a higher version, so any record it wrote later than one
 * already seen has a higher version than all of them, and an old one written again (a withdrawn
 * record brought back) does not. Anything else is ignored, counted by why, and the record held
 * before it stays. A deletion is not signed: only etcd's access control protects it.
 *
 * <p>Records of a member whose record is not held (not yet written, refused, gone) are kept unjudged
 * and not reported, then checked once its record comes; a departed member's records are reported
 * again if it comes back while they are still in etcd. Bounded: {@link #MAX_PER_MEMBER} records per
 * member, as many records in all for members without a record.
 *
 * <p>One thread changes it; {@link #drops} may be read from any thread.
 */
final class RecordsView {
    private static final Logger LOG = Logger.getLogger(RecordsView.class.getName());
    /** The most records one member can have, here and where it publishes them. */
    static final int MAX_PER_MEMBER = 4096;
    /** The most records held for members without a record: anyone who can write to etcd can invent members. */
    private static final int MAX_UNKNOWN = 4096;

    enum Drop {
        /** Not a record of a known format, too long, or a key past the limits. */
        MALFORMED,
        /** Not signed by the key of the member it is filed under (another member's, or none at all). */
        BAD_SIGNATURE,
        /** Signed by its member, but for another key or member than the one it is filed under. */
        MISFILED,
        /** Not newer than what this node already believed of its member: an old record written again. */
        STALE,
        /** Past {@link #MAX_PER_MEMBER} for its member, or past the bound of members without a record. */
        OVER_LIMIT;

        String label() {
            return "record-" + name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    /** Where an etcd key files a record. */
    record Path(String member, String key) {}

    /** A value as etcd holds it; {@code version} 0 and {@code value} null while unjudged. */
    private record Entry(byte[] stored, long version, byte[] value) {
        boolean judged() {
            return value != null;
        }
    }

    private final EtcdSettings settings;
    private final Function<String, VerifyingKey> signingKeys;
    private final Map<String, Map<String, Entry>> held = new HashMap<>();
    /** The signing key each member's held records were judged with. */
    private final Map<String, VerifyingKey> judgedWith = new HashMap<>();
    /** The highest version believed of each member, kept after it goes, so that its old records stay old. */
    private final Map<String, Long> newest = new HashMap<>();
    /** What the listener was last told of each present member. */
    private final Map<String, Map<String, byte[]>> reported = new HashMap<>();
    private final Set<String> touched = new LinkedHashSet<>();
    private final Map<Drop, LongAdder> drops = new EnumMap<>(Drop.class);
    private final IgnoredKeys logged = new IgnoredKeys(LOG);

    /** @param signingKeys a present node's signing key by name, null for anyone else */
    RecordsView(EtcdSettings settings, Function<String, VerifyingKey> signingKeys) {
        this.settings = settings;
        this.signingKeys = signingKeys;
        for (Drop drop : Drop.values()) {
            drops.put(drop, new LongAdder());
        }
    }

    /** Where {@code etcdKey} files a record, or null when it is not under the records' prefix. */
    Path path(String etcdKey) {
        String prefix = settings.recordsPrefix();
        if (!etcdKey.startsWith(prefix)) {
            return null;
        }
        int slash = etcdKey.indexOf('/', prefix.length());
        if (slash <= prefix.length() || slash == etcdKey.length() - 1) {
            return new Path("", "");
        }
        return new Path(etcdKey.substring(prefix.length(), slash), etcdKey.substring(slash + 1));
    }

    void put(Path path, String etcdKey, byte[] stored) {
        if (!wellFormed(path, etcdKey, stored)) {
            return;
        }
        Map<String, Entry> records = held.get(path.member());
        Entry before = records == null ? null : records.get(path.key());
        if (before != null && Arrays.equals(before.stored(), stored)) {
            return;
        }
        VerifyingKey key = signingKeys.apply(path.member());
        if (before == null && full(path.member(), key)) {
            drop(Drop.OVER_LIMIT, etcdKey, "more records than a member may have, or than are held for unknown members");
            return;
        }
        Entry entry = key == null ? new Entry(stored, 0, null)
                : judge(path, etcdKey, stored, key, newest.getOrDefault(path.member(), 0L));
        if (entry != null) {
            held.computeIfAbsent(path.member(), m -> new HashMap<>()).put(path.key(), entry);
            believe(path.member(), entry);
            touched.add(path.member());
        }
    }

    void delete(Path path) {
        Map<String, Entry> records = held.get(path.member());
        if (records != null && records.remove(path.key()) != null) {
            if (records.isEmpty()) {
                held.remove(path.member());
            }
            touched.add(path.member());
        }
    }

    /** Replaces what is held with a full read of the prefix (key to value), e.g. after the watch's history was compacted away. */
    void reread(Map<String, byte[]> keys, String self) {
        Map<String, Map<String, byte[]>> now = new HashMap<>();
        keys.forEach((etcdKey, stored) -> {
            Path path = path(etcdKey);
            if (path != null && !path.member().equals(self) && wellFormed(path, etcdKey, stored)) {
                now.computeIfAbsent(path.member(), m -> new TreeMap<>()).put(path.key(), stored);
            }
        });
        for (String member : List.copyOf(held.keySet())) {
            for (String key : List.copyOf(held.get(member).keySet())) {
                if (!now.getOrDefault(member, Map.of()).containsKey(key)) {
                    delete(new Path(member, key));
                }
            }
        }
        now.forEach((member, records) -> {
            // Judged as a set: any of them the member wrote since this node last heard is newer than all it had.
            long floor = newest.getOrDefault(member, 0L);
            VerifyingKey key = signingKeys.apply(member);
            records.forEach((recordKey, stored) -> {
                Path path = new Path(member, recordKey);
                Map<String, Entry> mine = held.get(member);
                Entry before = mine == null ? null : mine.get(recordKey);
                if (before != null && Arrays.equals(before.stored(), stored)) {
                    return;
                }
                String etcdKey = settings.recordKey(member, recordKey);
                if (before == null && full(member, key)) {
                    drop(Drop.OVER_LIMIT, etcdKey, "more records than a member may have, or than are held for unknown members");
                    return;
                }
                Entry entry = key == null ? new Entry(stored, 0, null) : judge(path, etcdKey, stored, key, floor);
                if (entry != null) {
                    held.computeIfAbsent(member, m -> new HashMap<>()).put(recordKey, entry);
                    believe(member, entry);
                    touched.add(member);
                }
            });
        });
    }

    /**
     * {@code member}'s record came, changed or went: its records are judged with the key of its
     * record now, or, without one, kept unreported. The listener (as {@code ClusterPeers}) forgets
     * a departed member's records itself, so what it was told is forgotten here too.
     */
    void refresh(String member) {
        VerifyingKey key = signingKeys.apply(member);
        if (key == null) {
            judgedWith.remove(member);
            reported.remove(member);
            return;
        }
        if (key.equals(judgedWith.put(member, key))) {
            return;
        }
        Map<String, Entry> records = held.get(member);
        if (records == null) {
            return;
        }
        long floor = newest.getOrDefault(member, 0L);
        for (Map.Entry<String, Entry> record : List.copyOf(records.entrySet())) {
            Entry entry = record.getValue();
            Path path = new Path(member, record.getKey());
            // A record believed before is checked again under the member's key now, at its own version.
            Entry judged = judge(path, settings.recordKey(member, record.getKey()), entry.stored(), key,
                    entry.judged() ? entry.version() - 1 : floor);
            if (judged == null) {
                records.remove(record.getKey());
            } else {
                records.put(record.getKey(), judged);
                believe(member, judged);
            }
        }
        if (records.isEmpty()) {
            held.remove(member);
        }
        touched.add(member);
    }

    /** What the listener must hear since the last call: each present member's records that changed, all of them. */
    List<MembershipEvent> report() {
        List<MembershipEvent> events = new ArrayList<>();
        for (String member : touched) {
            if (signingKeys.apply(member) == null) {
                continue;
            }
            Map<String, byte[]> now = new TreeMap<>();
            held.getOrDefault(member, Map.of()).forEach((key, entry) -> {
                if (entry.judged()) {
                    now.put(key, entry.value());
                }
            });
            Map<String, byte[]> before = reported.get(member);
            if (before == null ? now.isEmpty() : same(before, now)) {
                continue;
            }
            reported.put(member, now);
            events.add(new MembershipEvent.Records(member, now));
        }
        touched.clear();
        return events;
    }

    /** Ignored records by why, as {@code record-bad-signature} and so on. */
    Map<String, Long> drops() {
        Map<String, Long> out = new LinkedHashMap<>();
        drops.forEach((drop, count) -> out.put(drop.label(), count.sum()));
        return out;
    }

    /** The record {@code stored} at {@code path} once every check passed; null (counted) when it does not count. */
    private Entry judge(Path path, String etcdKey, byte[] stored, VerifyingKey key, long floor) {
        try {
            PublishedRecord.Read read = PublishedRecord.read(stored);
            if (!key.verifies(PublishedRecord.DOMAIN, read.statement(), read.signature())) {
                return drop(Drop.BAD_SIGNATURE, etcdKey, "not signed by " + path.member() + "'s key");
            }
            PublishedRecord.Statement statement = PublishedRecord.statement(read.statement());
            if (!path.member().equals(statement.member()) || !path.key().equals(statement.key())) {
                return drop(Drop.MISFILED, etcdKey, "signed by " + path.member() + " as '" + statement.member() + "/"
                        + statement.key() + "'");
            }
            byte[] value = PublishedRecord.value(statement);
            if (statement.version() <= floor) {
                return drop(Drop.STALE, etcdKey, "version " + statement.version() + " is not newer than " + floor
                        + ", the newest this node has seen of " + path.member() + " (an old record written again)");
            }
            return new Entry(stored, statement.version(), value);
        } catch (IOException e) {
            return drop(Drop.MALFORMED, etcdKey, e.getMessage());
        }
    }

    private boolean wellFormed(Path path, String etcdKey, byte[] stored) {
        if (path.member().isEmpty() || path.key().length() > Membership.MAX_RECORD_KEY) {
            drop(Drop.MALFORMED, etcdKey, "not records/<member>/<key> with a key of at most "
                    + Membership.MAX_RECORD_KEY + " characters");
            return false;
        }
        if (stored.length > PublishedRecord.MAX_STORED) {
            drop(Drop.MALFORMED, etcdKey, stored.length + " bytes, more than any record takes");
            return false;
        }
        return true;
    }

    /** Whether another record of {@code member} would be past the bounds; {@code key} is its signing key, if present. */
    private boolean full(String member, VerifyingKey key) {
        if (held.getOrDefault(member, Map.of()).size() >= MAX_PER_MEMBER) {
            return true;
        }
        if (key != null) {
            return false;
        }
        int unknown = 0;
        for (Map.Entry<String, Map<String, Entry>> records : held.entrySet()) {
            if (signingKeys.apply(records.getKey()) == null) {
                unknown += records.getValue().size();
            }
        }
        return unknown >= MAX_UNKNOWN;
    }

    private void believe(String member, Entry entry) {
        if (entry.judged()) {
            newest.merge(member, entry.version(), Math::max);
        }
    }

    private Entry drop(Drop why, String etcdKey, String message) {
        drops.get(why).increment();
        logged.log("record", etcdKey, message);
        return null;
    }

    private static boolean same(Map<String, byte[]> a, Map<String, byte[]> b) {
        if (!a.keySet().equals(b.keySet())) {
            return false;
        }
        for (Map.Entry<String, byte[]> e : a.entrySet()) {
            if (!Arrays.equals(e.getValue(), b.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }
}
