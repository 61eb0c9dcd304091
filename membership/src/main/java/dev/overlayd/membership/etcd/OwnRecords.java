package dev.overlayd.membership.etcd;

import dev.overlayd.membership.RecordLimits;
import dev.overlayd.membership.Membership;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * This node's records: what it publishes, what it wrote to etcd, and which keys etcd does not hold
 * as they should be (changed since, never written, lost with a lease, or changed in etcd by someone
 * else), to be written or deleted next. Whatever cannot be written now stays to be written: nothing
 * a plugin publishes while etcd is away is lost.
 *
 * <p>Thread-safe: plugins publish from their threads, the control thread writes.
 */
final class OwnRecords {
    /** A key to bring etcd in line with: its value now, null to delete it. */
    record Pending(String key, byte[] value) {}

    /** What this node wrote at a key, and the revision the write made. */
    private record Written(byte[] stored, long revision) {}

    private final Map<String, byte[]> values = new TreeMap<>();
    private final Map<String, Written> written = new HashMap<>();
    private final Set<String> dirty = new TreeSet<>();

    /**
     * Publishes {@code value} at {@code key} (null withdraws it); false when that is what it holds already.
     *
     * @throws IllegalArgumentException past the limits, or for a record past {@link RecordsView#MAX_PER_MEMBER}
     */
    synchronized boolean set(String key, byte[] value) {
        RecordLimits.check(key, value);
        byte[] before = values.get(key);
        if (value == null ? before == null : Arrays.equals(value, before)) {
            return false;
        }
        if (value != null) {
            if (before == null && values.size() >= RecordsView.MAX_PER_MEMBER) {
                throw new IllegalArgumentException("record " + key + ": this node has " + values.size()
                        + " records, the most a member may have");
            }
            values.put(key, value.clone());
        } else {
            values.remove(key);
        }
        dirty.add(key);
        return true;
    }

    /** Everything published now, as the listener is told. */
    synchronized Map<String, byte[]> values() {
        Map<String, byte[]> copy = new TreeMap<>();
        values.forEach((key, value) -> copy.put(key, value.clone()));
        return Collections.unmodifiableMap(copy);
    }

    synchronized List<Pending> pending() {
        List<Pending> pending = new ArrayList<>(dirty.size());
        for (String key : dirty) {
            byte[] value = values.get(key);
            pending.add(new Pending(key, value == null ? null : value.clone()));
        }
        return pending;
    }

    synchronized int pendingCount() {
        return dirty.size();
    }

    /** {@code pending} is in etcd now as {@code stored}, written at {@code revision}. */
    synchronized void wrote(Pending pending, byte[] stored, long revision) {
        if (pending.value() == null) {
            written.remove(pending.key());
        } else {
            written.put(pending.key(), new Written(stored, revision));
        }
        // Published again meanwhile: that is still to be written.
        byte[] now = values.get(pending.key());
        if (pending.value() == null ? now == null : Arrays.equals(now, pending.value())) {
            dirty.remove(pending.key());
        }
    }

    /** The lease is gone, and every record with it: all are to be written again. */
    synchronized void lost() {
        written.clear();
        dirty.addAll(values.keySet());
    }

    /**
     * The watch saw {@code key} put ({@code stored}) or deleted (null) at {@code revision}: unless it
     * is this node's own write or an older change, someone else changed this node's record.
     */
    synchronized void observed(String key, byte[] stored, long revision) {
        Written mine = written.get(key);
        if (mine != null && revision <= mine.revision()) {
            return;
        }
        if (stored == null ? !values.containsKey(key) : mine != null && Arrays.equals(stored, mine.stored())) {
            return;
        }
        dirty.add(key);
    }

    /** What a full read found under this node's records (key to value): anything not as written is repaired. */
    synchronized void reread(Map<String, byte[]> found) {
        found.forEach((key, stored) -> {
            Written mine = written.get(key);
            if (!values.containsKey(key) || mine == null || !Arrays.equals(stored, mine.stored())) {
                dirty.add(key);
            }
        });
        for (String key : values.keySet()) {
            if (!found.containsKey(key)) {
                dirty.add(key);
            }
        }
    }
}
