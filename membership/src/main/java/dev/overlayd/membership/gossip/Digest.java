package dev.overlayd.membership.gossip;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * What a sync says of one range of the sender's table, names after {@code after} up to
 * {@code upTo} (null: from the first, to the last): each record's name, version and a tag of
 * what it says (certificate, endpoint, departure), and a tag of the revocation list held. The
 * receiver sends back the records of that range it holds newer or the sender lacks, and fetches
 * those it lacks or holds older: a steady cluster's sync carries no certificate. A node's table is
 * digested a range at a time, one range per sync, in the order of the names, so that a sync fits
 * one datagram however large the cluster: every name is compared with one member in a round of
 * about members / 25 syncs.
 *
 * <p>A record whose heartbeat alone moved does not differ: a member is alive where it is heard
 * directly, so its heartbeats need not spread.
 */
@JsonFormat(shape = JsonFormat.Shape.ARRAY)
@JsonPropertyOrder({"after", "upTo", "entries", "revocations"})
record Digest(String after, String upTo, List<Entry> entries, byte[] revocations) {
    static final int TAG = 8;
    /** What an entry adds to its name at most: three numbers, the tag, the headers. */
    private static final int ENTRY_OVERHEAD = 36;

    @JsonFormat(shape = JsonFormat.Shape.ARRAY)
    @JsonPropertyOrder({"name", "incarnation", "heartbeat", "left", "tag"})
    record Entry(String name, long incarnation, long heartbeat, boolean left, byte[] tag) {
        /** Whether {@code r} (of this name) says something this entry does not, or is of a later life, and is newer. */
        boolean olderThan(Record r) {
            return differs(r) && Record.newer(r.incarnation(), r.heartbeat(), r.left(), asRecordVersion());
        }

        /** Whether {@code r} says something else than this entry, or is of another life: not a heartbeat alone. */
        boolean differs(Record r) {
            return incarnation != r.incarnation() || !Arrays.equals(tag, Digest.tag(r));
        }

        private Record asRecordVersion() {
            return new Record(null, incarnation, heartbeat, left, null);
        }
    }

    static Entry entry(Record r) {
        return new Entry(r.name(), r.incarnation(), r.heartbeat(), r.left(), tag(r));
    }

    /** What a record says beyond its version: its certificate, its endpoint, whether it left. */
    static byte[] tag(Record r) {
        MessageDigest sha = sha256();
        sha.update(r.member().certificate());
        sha.update((r.member().endpoint() == null ? "" : r.member().endpoint().toString()).getBytes(StandardCharsets.UTF_8));
        sha.update((byte) (r.left() ? 1 : 0));
        return Arrays.copyOf(sha.digest(), TAG);
    }

    /** The revocation list's tag, or null for none. */
    static byte[] tag(byte[] revocations) {
        return revocations == null ? null : Arrays.copyOf(sha256().digest(revocations), TAG);
    }

    /**
     * The range of {@code records} (by name) after {@code after} (null: from the first) that fits
     * in {@code room} bytes; it ends at the last name when that is reached.
     */
    static Digest window(NavigableMap<String, Record> records, String after, int room, byte[] revocations) {
        List<Entry> entries = new ArrayList<>();
        Map<String, Record> range = after == null ? records : records.tailMap(after, false);
        int size = 0;
        String last = null;
        for (Record r : range.values()) {
            int name = r.name().getBytes(StandardCharsets.UTF_8).length;
            // The entry, and its name again as the range's end.
            if (!entries.isEmpty() && size + name + ENTRY_OVERHEAD + name + 4 > room) {
                return new Digest(after, last, entries, tag(revocations));
            }
            entries.add(entry(r));
            size += name + ENTRY_OVERHEAD;
            last = r.name();
        }
        return new Digest(after, null, entries, tag(revocations));
    }

    /** Whether {@code name} is in this range. */
    boolean covers(String name) {
        return (after == null || name.compareTo(after) > 0) && (upTo == null || name.compareTo(upTo) <= 0);
    }

    List<Entry> listed() {
        return entries == null ? List.of() : entries;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
