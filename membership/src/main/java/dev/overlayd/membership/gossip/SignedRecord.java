package dev.overlayd.membership.gossip;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import dev.overlayd.membership.Admission;
import dev.overlayd.membership.Member;
import dev.overlayd.membership.identity.SigningKey;
import dev.overlayd.membership.identity.VerifyingKey;
import dev.overlayd.peers.uapi.UapiException;
import dev.overlayd.peers.uapi.UapiValues;

/**
 * A node's record as the node itself signed it: the body's bytes exactly as signed (a CBOR array,
 * about 150 bytes smaller than format 2's JSON, which every beat carries) and an
 * Ed25519ctx signature ({@link #DOMAIN}) by the key its certificate binds. The body names the
 * certificate by its SHA-256, so a signature made under one certificate does not vouch for the
 * same name under another. Records are passed on unchanged, so every copy, however second-hand,
 * is checked against the member it describes: no other member, static host, or local process
 * sharing the node's overlay address can make one.
 */
record SignedRecord(byte[] body, byte[] signature) {
    static final String DOMAIN = "gossip record v3";
    /** A body is a name, a hash, three numbers and an endpoint; anything longer is not one. */
    static final int MAX_BODY = 512;

    private static final ObjectMapper CBOR = new ObjectMapper(new CBORFactory());

    /**
     * What is signed. {@code reads} is the highest gossip format version the signer reads, so that
     * others know what to send it during a rolling upgrade; {@code endpoint} is where the node
     * itself says its WireGuard listens; {@code records} is the version of its plugin records
     * ({@link OwnRecordSet}), absent from nodes of before them, which read no {@link RecordSetMessage}.
     */
    @JsonFormat(shape = JsonFormat.Shape.ARRAY)
    @JsonPropertyOrder({"reads", "name", "certificate", "incarnation", "heartbeat", "left", "endpoint", "records"})
    record Body(int reads, String name, byte[] certificate, long incarnation, long heartbeat, boolean left,
            String endpoint, Long records) {}

    /** This node's record, signed with its key. */
    static Record sign(Member self, long incarnation, long heartbeat, boolean left, Long records, SigningKey key) {
        Body body = new Body(GossipMessage.VERSION, self.name(), sha256(self.certificate()), incarnation, heartbeat, left,
                self.endpoint() == null ? null : UapiValues.formatEndpoint(self.endpoint()), records);
        byte[] bytes;
        try {
            bytes = CBOR.writeValueAsBytes(body);
        } catch (IOException e) {
            throw new IllegalStateException("a record did not encode", e);
        }
        return new Record(self, incarnation, heartbeat, left, new SignedRecord(bytes, key.sign(DOMAIN, bytes)));
    }

    /** The body, parsed but not yet trusted: what decides whether the record is worth checking at all. */
    Body parse() throws Dropped {
        if (body == null || signature == null || body.length > MAX_BODY) {
            throw new Dropped(GossipDrops.Reason.MALFORMED, "a record without body or signature, or too long");
        }
        Body b;
        try {
            b = CBOR.readValue(body, Body.class);
        } catch (IOException | IllegalArgumentException e) {
            throw new Dropped(GossipDrops.Reason.MALFORMED, "a record that is not one");
        }
        // CBOR's null reads as no body at all.
        if (b == null || b.name() == null || b.certificate() == null) {
            throw new Dropped(GossipDrops.Reason.MALFORMED, "a record without name or certificate");
        }
        return b;
    }

    /**
     * The record {@code body} (this one's, parsed) stands for, once it is shown to be the member's
     * own: the certificate is admitted and a node's, the body names it, and the signature is its key's.
     */
    Record open(Body body, byte[] certificate, Admission admission) throws Dropped {
        Member member = new Member(body.name(), certificate, endpoint(body.endpoint()));
        String refusal = admission.refusal(member);
        if (refusal != null) {
            throw new Dropped(GossipDrops.Reason.REFUSED, refusal);
        }
        VerifyingKey key = admission.signingKey(member).orElseThrow(
                () -> new Dropped(GossipDrops.Reason.REFUSED, body.name() + ": a static host's certificate signs no records"));
        if (!MessageDigest.isEqual(body.certificate(), sha256(certificate))) {
            throw new Dropped(GossipDrops.Reason.BAD_SIGNATURE, body.name() + ": the record names another certificate");
        }
        if (!key.verifies(DOMAIN, this.body, signature)) {
            throw new Dropped(GossipDrops.Reason.BAD_SIGNATURE, body.name() + ": the signature is not its key's");
        }
        return new Record(member, body.incarnation(), body.heartbeat(), body.left(), this);
    }

    /** Whether {@code other} is this very copy, already checked. */
    boolean sameAs(SignedRecord other) {
        return Arrays.equals(body, other.body) && Arrays.equals(signature, other.signature);
    }

    static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private static InetSocketAddress endpoint(String text) throws Dropped {
        if (text == null) {
            return null;
        }
        try {
            return UapiValues.parseEndpoint(text);
        } catch (RuntimeException | UapiException e) {
            throw new Dropped(GossipDrops.Reason.MALFORMED, "a record with a bad endpoint");
        }
    }
}
