package dev.overlayd.membership.gossip;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.overlayd.membership.Member;
import dev.overlayd.peers.uapi.UapiValues;

/**
 * What members tell each other, as JSON (certificates in base64). {@code beat}: a member is alive,
 * and only its version; {@code sync}: everything the sender knows, to be answered by
 * {@code sync-reply}; {@code news}: what just changed. The join exchange's payloads are messages
 * too: the sides' own records, then the whole table with {@code seenAs}, the address the joiner's
 * datagrams came from.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
record GossipMessage(String kind, List<WireRecord> records, byte[] revocations, String seenAs) {
    static final String BEAT = "beat";
    static final String SYNC = "sync";
    static final String SYNC_REPLY = "sync-reply";
    static final String NEWS = "news";
    static final String JOIN = "join";

    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    /** A record on the wire; a beat's has neither certificate nor endpoint. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record WireRecord(String name, byte[] certificate, String endpoint, long incarnation, long heartbeat,
            boolean left) {}

    static GossipMessage of(String kind, Collection<Record> records, byte[] revocations, InetSocketAddress seenAs) {
        List<WireRecord> wire = new ArrayList<>(records.size());
        for (Record r : records) {
            Member m = r.member();
            wire.add(new WireRecord(m.name(), m.certificate(), m.endpoint() == null ? null : UapiValues.formatEndpoint(m.endpoint()),
                    r.incarnation(), r.heartbeat(), r.left()));
        }
        return new GossipMessage(kind, wire, revocations, seenAs == null ? null : UapiValues.formatEndpoint(seenAs));
    }

    static GossipMessage beat(Record self) {
        return new GossipMessage(BEAT, List.of(new WireRecord(self.name(), null, null, self.incarnation(),
                self.heartbeat(), false)), null, null);
    }

    /** The full records carried; beats, which carry none, give an empty list. */
    List<Record> fullRecords() throws IOException {
        List<Record> out = new ArrayList<>();
        for (WireRecord w : records == null ? List.<WireRecord>of() : records) {
            if (w.name() == null || w.certificate() == null) {
                continue;
            }
            out.add(new Record(new Member(w.name(), w.certificate(), endpoint(w.endpoint())), w.incarnation(),
                    w.heartbeat(), w.left()));
        }
        return out;
    }

    InetSocketAddress seenAsAddress() throws IOException {
        return endpoint(seenAs);
    }

    byte[] encode() {
        try {
            return JSON.writeValueAsBytes(this);
        } catch (IOException e) {
            throw new IllegalStateException("a gossip message did not encode", e);
        }
    }

    static GossipMessage decode(byte[] bytes) throws IOException {
        return decode(bytes, 0, bytes.length);
    }

    static GossipMessage decode(byte[] buf, int off, int len) throws IOException {
        GossipMessage m = JSON.readValue(buf, off, len, GossipMessage.class);
        if (m.kind() == null) {
            throw new IOException("no kind");
        }
        return m;
    }

    private static InetSocketAddress endpoint(String text) throws IOException {
        if (text == null) {
            return null;
        }
        try {
            return UapiValues.parseEndpoint(text);
        } catch (RuntimeException | dev.overlayd.peers.uapi.UapiException e) {
            throw new IOException("bad endpoint " + text);
        }
    }
}
