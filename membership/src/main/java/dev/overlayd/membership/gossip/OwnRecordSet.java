package dev.overlayd.membership.gossip;

import java.io.IOException;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import dev.overlayd.membership.Membership;
import dev.overlayd.membership.RecordLimits;
import dev.overlayd.membership.identity.SigningKey;
import dev.overlayd.noise.Clock;

/**
 * This node's plugin records and their version, which only grows: it starts at the wall clock's
 * microseconds when the node starts, so that a restarted node's set supersedes its earlier life's
 * everywhere, and goes up by one with every change. Held from before the membership starts (what
 * is published then is published at the start); then owned by the membership's thread.
 */
final class OwnRecordSet {
    /** The most records a node publishes, and their keys' and values' bytes in all; receivers hold no more of one node. */
    static final int MAX_RECORDS = 4096;
    static final long MAX_BYTES = 1L << 20;

    private final TreeMap<String, byte[]> records = new TreeMap<>();
    private long bytes;
    private long version;
    /** The whole set at {@link #version} as signed parts, made on the first pull and kept until the next change. */
    private List<RecordSetPart> whole;

    OwnRecordSet(Clock clock) {
        version = clock.epochNanos() / 1_000;
    }


    /** What a record takes of a node's {@link #MAX_BYTES}. */
    static long bytes(String key, byte[] value) {
        return key.length() + value.length;
    }

    /**
     * Sets {@code key} to {@code value}, or withdraws it (null); returns whether that changed the set,
     * and so its version.
     *
     * @throws IllegalArgumentException for a key or value past the limits
     * @throws IOException when the set would hold more than {@link #MAX_RECORDS} records or {@link #MAX_BYTES}
     */
    synchronized boolean change(String key, byte[] value) throws IOException {
        RecordLimits.check(key, value);
        byte[] was = records.get(key);
        if (value == null ? was == null : Arrays.equals(was, value)) {
            return false;
        }
        long after = bytes - (was == null ? 0 : bytes(key, was)) + (value == null ? 0 : bytes(key, value));
        if (value != null && (was == null && records.size() >= MAX_RECORDS || after > MAX_BYTES)) {
            throw new IOException("this node publishes at most " + MAX_RECORDS + " records of " + MAX_BYTES
                    + " bytes in all; it holds " + records.size() + " of " + bytes);
        }
        if (value == null) {
            records.remove(key);
        } else {
            records.put(key, value.clone());
        }
        bytes = after;
        version++;
        whole = null;
        return true;
    }

    synchronized long version() {
        return version;
    }

    synchronized Map<String, byte[]> snapshot() {
        return Collections.unmodifiableMap(new TreeMap<>(records));
    }

    /** The whole set as signed parts of {@link RecordSetPart#BUDGET} bytes, signed once per version. */
    synchronized List<RecordSetPart> whole(SigningKey signer) {
        if (whole == null) {
            whole = RecordSetPart.whole(version, records, signer);
        }
        return whole;
    }
}
