package dev.overlayd.membership.gossip;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * What members tell each other, as JSON (bytes in base64). {@code beat}: the sender's own signed
 * record without its certificate, which the receiver holds; {@code sync}: everything the sender
 * knows, to be answered by {@code sync-reply}; {@code news}: what just changed; {@code join}: the
 * join exchange's payloads, the sides' own records, then the whole table. Node records travel as
 * their members signed them ({@link SignedRecord}); static hosts as their certificates alone
 * ({@code hosts}), since a host's endpoint and version are its certificate's. The nodes' plugin
 * records travel beside these on the same port, in their own format ({@link RecordSetMessage}).
 *
 * <p><b>Versions.</b> Every message names its format version ({@code v}); a node reads only the
 * versions it knows and counts the rest as dropped. Version 1, unsigned and without {@code v}, is
 * refused: its records could be forged by anyone who can send as a member, and its nodes' certificates
 * lack the record-signing key anyway, so moving to version 2 means issuing every certificate again
 * and restarting the nodes with them; during that move the two versions form two clusters that do
 * not hear each other. From version 2 on, each signed record names the highest version its node
 * reads ({@link SignedRecord.Body#reads}), so a later version can be rolled out node by node: a node
 * keeps sending every member the highest version that member reads, and switches once it reads more.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
record GossipMessage(@JsonProperty("v") Integer version, String kind, List<WireRecord> records, List<WireHost> hosts,
        byte[] revocations) {
    /** The format version this node writes, and the only one it reads. */
    static final int VERSION = 2;

    static final String BEAT = "beat";
    static final String SYNC = "sync";
    static final String SYNC_REPLY = "sync-reply";
    static final String NEWS = "news";
    static final String JOIN = "join";

    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    /** A signed record on the wire; a beat's has no certificate. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record WireRecord(byte[] body, byte[] signature, byte[] certificate) {
        SignedRecord signed() {
            return new SignedRecord(body, signature);
        }
    }

    /** A static host on the wire: its certificate is its record. */
    record WireHost(String name, byte[] certificate) {}

    /** Node records with their certificates and static hosts' certificates, as a sync or news carries them. */
    static GossipMessage of(String kind, Collection<Record> records, byte[] revocations) {
        List<WireRecord> signed = new ArrayList<>(records.size());
        List<WireHost> hosts = new ArrayList<>();
        for (Record r : records) {
            if (r.signed() == null) {
                hosts.add(new WireHost(r.name(), r.member().certificate()));
            } else {
                signed.add(new WireRecord(r.signed().body(), r.signed().signature(), r.member().certificate()));
            }
        }
        return new GossipMessage(VERSION, kind, signed, hosts.isEmpty() ? null : hosts, revocations);
    }

    static GossipMessage beat(Record self) {
        return new GossipMessage(VERSION, BEAT, List.of(new WireRecord(self.signed().body(), self.signed().signature(), null)),
                null, null);
    }

    List<WireRecord> signedRecords() {
        return records == null ? List.of() : records;
    }

    List<WireHost> staticHosts() {
        return hosts == null ? List.of() : hosts;
    }

    byte[] encode() {
        try {
            return JSON.writeValueAsBytes(this);
        } catch (IOException e) {
            throw new IllegalStateException("a gossip message did not encode", e);
        }
    }

    static GossipMessage decode(byte[] bytes) throws Dropped {
        return decode(bytes, 0, bytes.length);
    }

    static GossipMessage decode(byte[] buf, int off, int len) throws Dropped {
        GossipMessage m;
        try {
            m = JSON.readValue(buf, off, len, GossipMessage.class);
        } catch (IOException e) {
            throw new Dropped(GossipDrops.Reason.MALFORMED, "not a gossip message");
        }
        if (m.version() == null || m.version() != VERSION) {
            throw new Dropped(GossipDrops.Reason.UNKNOWN_VERSION, "gossip format version "
                    + (m.version() == null ? "1 (unsigned)" : m.version()) + ", this node reads " + VERSION);
        }
        if (m.kind() == null) {
            throw new Dropped(GossipDrops.Reason.MALFORMED, "a gossip message of no kind");
        }
        return m;
    }
}
