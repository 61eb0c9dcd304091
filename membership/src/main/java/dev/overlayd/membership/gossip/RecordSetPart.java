package dev.overlayd.membership.gossip;

import dev.overlayd.membership.RecordLimits;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import dev.overlayd.membership.identity.SigningKey;
import dev.overlayd.membership.identity.VerifyingKey;

/**
 * A piece of a node's plugin records as the node signed it: the body's bytes (CBOR) exactly as
 * signed and an Ed25519ctx signature ({@link #DOMAIN}) by the key its certificate binds. A body is
 * either a delta, the keys that changed from version {@code base} to {@code version} (a null value
 * withdraws), or part {@code part} of {@code parts} of the node's whole set at {@code version}. Every
 * part is signed on its own, so a receiver checks each as it comes. Parts travel only from their
 * node itself (deltas it pushes, the whole set it answers a pull with), so the body does not name
 * the node: the receiver checks it against the key of the present node it came from, and a part
 * that anyone else passes on is checked against that one's key, and fails.
 *
 * <p>A whole set is cut into parts of at most {@link #BUDGET} bytes on the wire, so that each fits
 * in one datagram inside the overlay's MTU however large the set; only a part that holds a single
 * record near the limits (a 200-character key and a 1024-byte value) is larger, still below
 * {@link #MAX_DATAGRAM}.
 */
record RecordSetPart(byte[] body, byte[] signature) {
    static final String DOMAIN = "gossip plugin records v1";
    /** What a part of a whole set takes on the wire at most, when it holds more than one record. */
    static final int BUDGET = 1200;
    /**
     * The largest datagram a part makes: one record at the limits. Below
     * 1392, the UDP payload that the default overlay MTU (1420) carries over IPv4 in one packet.
     */
    static final int MAX_DATAGRAM = 1392;
    /** A whole set in more parts than this is not one a node makes (each part holds a record at least). */
    static final int MAX_PARTS = OwnRecordSet.MAX_RECORDS;
    /**
     * What a datagram adds around its records, at most: the message's and the body's fields, the
     * version numbers, part counters and the signature.
     */
    private static final int OVERHEAD = 120;
    /** What CBOR adds to one record: its array, the key's and the value's headers. */
    private static final int PER_RECORD = 8;

    private static final ObjectMapper CBOR = new ObjectMapper(new CBORFactory());

    @JsonFormat(shape = JsonFormat.Shape.ARRAY)
    @JsonPropertyOrder({"version", "base", "part", "parts", "entries"})
    record Body(long version, Long base, int part, int parts, List<Entry> entries) {
        boolean delta() {
            return base != null;
        }
    }

    /** One record: a key and its value, or null (in a delta) for a withdrawn key. */
    @JsonFormat(shape = JsonFormat.Shape.ARRAY)
    @JsonPropertyOrder({"key", "value"})
    record Entry(String key, byte[] value) {}

    /** The change of one key from {@code version - 1} to {@code version}. */
    static RecordSetPart delta(long version, String key, byte[] value, SigningKey signer) {
        return sign(new Body(version, version - 1, 0, 1, List.of(new Entry(key, value))), signer);
    }

    /** {@code records}, the whole set at {@code version}, cut into parts of at most {@link #BUDGET} bytes each. */
    static List<RecordSetPart> whole(long version, SortedMap<String, byte[]> records, SigningKey signer) {
        List<List<Entry>> groups = new ArrayList<>();
        List<Entry> group = new ArrayList<>();
        int size = OVERHEAD;
        for (Map.Entry<String, byte[]> e : records.entrySet()) {
            int entry = e.getKey().length() + e.getValue().length + PER_RECORD;
            if (!group.isEmpty() && size + entry > BUDGET) {
                groups.add(group);
                group = new ArrayList<>();
                size = OVERHEAD;
            }
            group.add(new Entry(e.getKey(), e.getValue()));
            size += entry;
        }
        // An empty set is one part without records: what tells a receiver there is nothing.
        groups.add(group);
        List<RecordSetPart> parts = new ArrayList<>(groups.size());
        for (int i = 0; i < groups.size(); i++) {
            parts.add(sign(new Body(version, null, i, groups.size(), groups.get(i)), signer));
        }
        return parts;
    }

    private static RecordSetPart sign(Body body, SigningKey signer) {
        byte[] bytes;
        try {
            bytes = CBOR.writeValueAsBytes(body);
        } catch (IOException e) {
            throw new IllegalStateException("a record set part did not encode", e);
        }
        return new RecordSetPart(bytes, signer.sign(DOMAIN, bytes));
    }

    /**
     * The body, parsed and its form checked but not yet trusted: what decides whether the part is
     * worth a signature check at all.
     */
    Body parse() throws Dropped {
        if (body == null || signature == null || body.length > MAX_DATAGRAM) {
            throw new Dropped(GossipDrops.Reason.MALFORMED, "a record set part without body or signature, or too long");
        }
        Body b;
        try {
            b = CBOR.readValue(body, Body.class);
        } catch (IOException | IllegalArgumentException e) {
            throw new Dropped(GossipDrops.Reason.MALFORMED, "a record set part that is not one");
        }
        // CBOR's null reads as no body at all, and a null in the array as no entry.
        if (b == null || b.entries() == null || b.entries().contains(null)) {
            throw new Dropped(GossipDrops.Reason.MALFORMED, "a record set part without its entries");
        }
        if (b.version() <= 0 || b.parts() < 1 || b.parts() > MAX_PARTS
                || b.part() < 0 || b.part() >= b.parts() || b.delta() && (b.parts() != 1 || b.base() >= b.version())) {
            throw new Dropped(GossipDrops.Reason.MALFORMED, "a record set part with bad numbers");
        }
        for (Entry e : b.entries()) {
            String refusal = RecordLimits.refusal(e.key(), e.value() == null ? new byte[0] : e.value());
            if (refusal != null || e.value() == null && !b.delta()) {
                throw new Dropped(GossipDrops.Reason.MALFORMED, "a record set part with a bad record: "
                        + (refusal == null ? "no value" : refusal));
            }
        }
        return b;
    }

    /** Whether the part is signed by {@code key}, the node's own as its certificate binds it. */
    boolean signedBy(VerifyingKey key) {
        return key.verifies(DOMAIN, body, signature);
    }
}
