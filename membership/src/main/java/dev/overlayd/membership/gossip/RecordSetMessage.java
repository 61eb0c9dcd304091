package dev.overlayd.membership.gossip;

import java.io.IOException;
import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;

/**
 * What carries plugin records between nodes, beside the members' JSON gossip on the same port: a
 * CBOR array, so that values travel as raw bytes and a part fits in one datagram. {@code part}: a
 * {@link RecordSetPart} as its node signed it; {@code pull}: a request for the receiver's whole set,
 * naming the version the sender holds (null: none), answered with every part unless that is the
 * current one, starting at part {@code first}: the first one still missing of a set the sender
 * is assembling, so that a set larger than what the receiver's queue takes in one burst still
 * arrives whole over a few pulls. JSON gossip starts with '{', these with a CBOR array's first byte.
 *
 * <p><b>Versions.</b> The first element is this format's version ({@link #VERSION}); a node counts
 * others as dropped. A node sends these only to members whose signed record announces a records
 * version, so that nodes of before plugin records, which read JSON only, never get one.
 */
@JsonFormat(shape = JsonFormat.Shape.ARRAY)
@JsonPropertyOrder({"version", "kind", "body", "signature", "holds", "first"})
record RecordSetMessage(int version, String kind, byte[] body, byte[] signature, Long holds, Integer first) {
    static final int VERSION = 1;
    static final String PART = "part";
    static final String PULL = "pull";

    private static final ObjectMapper CBOR = new ObjectMapper(new CBORFactory());

    static RecordSetMessage part(RecordSetPart part) {
        return new RecordSetMessage(VERSION, PART, part.body(), part.signature(), null, null);
    }

    static RecordSetMessage pull(Long holds, Integer first) {
        return new RecordSetMessage(VERSION, PULL, null, null, holds, first);
    }

    /** Whether {@code datagram} is one of these rather than JSON gossip: it starts as a CBOR array does. */
    static boolean is(byte[] datagram) {
        return datagram.length > 0 && (datagram[0] & 0xe0) == 0x80;
    }

    RecordSetPart signed() {
        return new RecordSetPart(body, signature);
    }

    byte[] encode() {
        try {
            return CBOR.writeValueAsBytes(this);
        } catch (IOException e) {
            throw new IllegalStateException("a record set message did not encode", e);
        }
    }

    static RecordSetMessage decode(byte[] datagram) throws Dropped {
        RecordSetMessage m;
        try {
            // The version first, whatever else a later one holds.
            JsonNode tree = CBOR.readTree(datagram);
            if (!tree.isArray() || !tree.path(0).canConvertToInt()) {
                throw new Dropped(GossipDrops.Reason.MALFORMED, "not a record set message");
            }
            if (tree.get(0).intValue() != VERSION) {
                throw new Dropped(GossipDrops.Reason.UNKNOWN_VERSION, "record set format version " + tree.get(0).intValue()
                        + ", this node reads " + VERSION);
            }
            m = CBOR.treeToValue(tree, RecordSetMessage.class);
        } catch (IOException | IllegalArgumentException e) {
            throw new Dropped(GossipDrops.Reason.MALFORMED, "not a record set message");
        }
        if (m.kind() == null) {
            throw new Dropped(GossipDrops.Reason.MALFORMED, "a record set message of no kind");
        }
        return m;
    }
}
