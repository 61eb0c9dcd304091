package dev.overlayd.membership.gossip;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;

/**
 * What members tell each other, as a CBOR map (bytes raw, not in base64). {@code beat}: the
 * sender's own signed record without its certificate, which the receiver holds; {@code sync}: the
 * sender's own record as a beat's, and a {@link Digest} of one range of what it knows, to which the
 * receiver answers with the records the sender lacks or holds older ({@code news}) and a
 * {@code fetch} of the names it lacks itself; {@code news}: records that changed, or were asked
 * for; {@code revocations}: one part of the CA's revocation list; {@code join}: the join
 * exchange's payloads, each side's own record. Node records travel as their members signed them
 * ({@link SignedRecord}); static hosts as their certificates alone ({@code hosts}), since a host's
 * endpoint and version are its certificate's. The nodes' plugin records travel beside these on the
 * same port, in their own format ({@link RecordSetMessage}).
 *
 * <p><b>Size.</b> Every datagram is at most {@link #MAX_DATAGRAM} bytes: whatever carries more
 * records than fit is cut into several ({@link #parts}), each a message on its own. One record with
 * its certificate takes about 650 bytes (a 300-byte certificate, a 260-byte body, a signature), and
 * a certificate that carries its issuer's (350 bytes more) still fits.
 *
 * <p><b>Versions.</b> Every message names its format version ({@code v}); a node reads only the
 * versions it knows and counts the rest as dropped. Versions 1 (unsigned) and 2 (JSON, whole
 * tables in one datagram) are refused, and so are their joins: moving to version 3 means
 * restarting every node, during which the two versions form two clusters that do not hear each
 * other. Each signed record names the highest version its node reads ({@link SignedRecord.Body#reads}),
 * so a later version can be rolled out node by node.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
record GossipMessage(@JsonProperty("v") Integer version, String kind, List<WireRecord> records, List<WireHost> hosts,
        byte[] revocations, Integer part, Integer parts, Digest digest, List<String> want) {
    /** The format version this node writes, and the only one it reads. */
    static final int VERSION = 3;
    /**
     * What one gossip or join datagram carries at most: below the 1280 bytes every IPv6 path
     * carries, with room for WireGuard's 32 bytes and the IP and UDP headers, so that nothing is
     * ever sent as IP fragments, neither inside the overlay nor a join's on the underlay.
     */
    static final int MAX_DATAGRAM = 1200;
    /** The revocation list's parts at most: lists up to 72 kB, what a CA's list of a few thousand serials takes. */
    static final int MAX_REVOCATION_PARTS = 64;

    static final String BEAT = "beat";
    static final String SYNC = "sync";
    static final String FETCH = "fetch";
    static final String NEWS = "news";
    static final String REVOCATIONS = "revocations";
    static final String JOIN = "join";

    private static final ObjectMapper CBOR = new ObjectMapper(new CBORFactory())
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    /** What a message adds around its records at most: the version, the kind, the arrays' headers. */
    private static final int OVERHEAD = 48;
    /** What a part of the revocation list adds around its bytes: the fields, the part counters. */
    private static final int REVOCATION_OVERHEAD = 64;

    /** A signed record on the wire; a beat's has no certificate. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record WireRecord(byte[] body, byte[] signature, byte[] certificate) {
        SignedRecord signed() {
            return new SignedRecord(body, signature);
        }
    }

    /** A static host on the wire: its certificate is its record. */
    record WireHost(String name, byte[] certificate) {}

    /** Node records with their certificates and static hosts' certificates in one message, however many. */
    static GossipMessage of(String kind, Collection<Record> records) {
        List<WireRecord> signed = new ArrayList<>(records.size());
        List<WireHost> hosts = new ArrayList<>();
        for (Record r : records) {
            if (r.signed() == null) {
                hosts.add(new WireHost(r.name(), r.member().certificate()));
            } else {
                signed.add(wire(r));
            }
        }
        return new GossipMessage(VERSION, kind, signed, hosts.isEmpty() ? null : hosts, null, null, null, null, null);
    }

    /**
     * {@code records} in as few messages of {@code kind} as keep each within {@link #MAX_DATAGRAM},
     * encoded; none when there are none.
     */
    static List<byte[]> parts(String kind, Collection<Record> records) {
        List<byte[]> out = new ArrayList<>();
        List<Record> group = new ArrayList<>();
        int size = OVERHEAD;
        for (Record r : records) {
            int one = size(r);
            if (!group.isEmpty() && size + one > MAX_DATAGRAM) {
                out.add(of(kind, group).encode());
                group = new ArrayList<>();
                size = OVERHEAD;
            }
            group.add(r);
            size += one;
        }
        if (!group.isEmpty()) {
            out.add(of(kind, group).encode());
        }
        return out;
    }

    /** A revocation list in parts of at most {@link #MAX_DATAGRAM} bytes each, encoded; null when the list is too long for them. */
    static List<byte[]> revocationParts(byte[] list) {
        int chunk = MAX_DATAGRAM - REVOCATION_OVERHEAD;
        int count = Math.max(1, (list.length + chunk - 1) / chunk);
        if (count > MAX_REVOCATION_PARTS) {
            return null;
        }
        List<byte[]> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            byte[] piece = Arrays.copyOfRange(list, i * chunk, Math.min(list.length, (i + 1) * chunk));
            out.add(new GossipMessage(VERSION, REVOCATIONS, null, null, piece, i, count, null, null).encode());
        }
        return out;
    }

    static GossipMessage beat(Record self) {
        return new GossipMessage(VERSION, BEAT, List.of(beatRecord(self)), null, null, null, null, null, null);
    }

    /** A sync: the sender's own record as a beat's (what vouches for it), and a digest of one range. */
    static GossipMessage sync(Record self, Digest digest) {
        return new GossipMessage(VERSION, SYNC, List.of(beatRecord(self)), null, null, null, null, digest, null);
    }

    static GossipMessage fetch(List<String> names) {
        return new GossipMessage(VERSION, FETCH, null, null, null, null, null, null, names);
    }

    List<WireRecord> signedRecords() {
        return records == null ? List.of() : records;
    }

    List<WireHost> staticHosts() {
        return hosts == null ? List.of() : hosts;
    }

    List<String> wanted() {
        return want == null ? List.of() : want;
    }

    byte[] encode() {
        try {
            return CBOR.writeValueAsBytes(this);
        } catch (IOException e) {
            throw new IllegalStateException("a gossip message did not encode", e);
        }
    }

    static GossipMessage decode(byte[] bytes) throws Dropped {
        return decode(bytes, 0, bytes.length);
    }

    static GossipMessage decode(byte[] buf, int off, int len) throws Dropped {
        if (len > 0 && buf[off] == '{') {
            // Versions 1 and 2 were JSON.
            throw new Dropped(GossipDrops.Reason.UNKNOWN_VERSION, "a gossip message in JSON (format version 1 or 2), this node reads "
                    + VERSION);
        }
        GossipMessage m;
        try {
            // The version first, whatever else a later one holds.
            JsonNode tree = CBOR.readTree(buf, off, len);
            if (tree == null || !tree.isObject()) {
                throw new Dropped(GossipDrops.Reason.MALFORMED, "not a gossip message");
            }
            if (!tree.path("v").canConvertToInt() || tree.get("v").intValue() != VERSION) {
                throw new Dropped(GossipDrops.Reason.UNKNOWN_VERSION, "gossip format version " + tree.path("v")
                        + ", this node reads " + VERSION);
            }
            m = CBOR.treeToValue(tree, GossipMessage.class);
        } catch (IOException | IllegalArgumentException e) {
            throw new Dropped(GossipDrops.Reason.MALFORMED, "not a gossip message");
        }
        if (m.kind() == null) {
            throw new Dropped(GossipDrops.Reason.MALFORMED, "a gossip message of no kind");
        }
        // CBOR's null in an array reads as a null element: no record, host, name or entry to act on.
        if (hasNull(m.records()) || hasNull(m.hosts()) || hasNull(m.want())
                || m.digest() != null && hasNull(m.digest().entries())) {
            throw new Dropped(GossipDrops.Reason.MALFORMED, "a gossip message with a null in a list");
        }
        return m;
    }

    private static boolean hasNull(List<?> list) {
        return list != null && list.contains(null);
    }

    private static WireRecord wire(Record r) {
        return new WireRecord(r.signed().body(), r.signed().signature(), r.member().certificate());
    }

    private static WireRecord beatRecord(Record self) {
        return new WireRecord(self.signed().body(), self.signed().signature(), null);
    }

    /** What one record adds to a message: its fields and their headers. */
    private static int size(Record r) {
        int certificate = r.member().certificate().length + 16;
        return r.signed() == null ? certificate + r.name().length() + 16
                : certificate + r.signed().body().length + r.signed().signature().length + 32;
    }
}
