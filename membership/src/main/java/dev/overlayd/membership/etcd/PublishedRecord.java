package dev.overlayd.membership.etcd;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.overlayd.membership.Membership;
import dev.overlayd.membership.identity.SigningKey;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * One of a node's records ({@link Membership#publish}) as etcd holds it at
 * {@code records/<member>/<key>}, format 1:
 * {@code {"v":1,"record":"{\"member\":…,\"key\":…,\"version\":…,\"value\":base64}","signature":base64}}.
 * As in {@link MemberRecord}, the record is the very text the node signed (Ed25519ctx, {@link #DOMAIN},
 * a domain of its own so that no member record's signature verifies as a record's), and it names
 * its member and key so that a copy filed under another key or member is told apart from the
 * original. The version grows with every write of the node, so an old value written again is
 * recognised as old. No certificate: a record is checked against the one in its member's record.
 */
final class PublishedRecord {
    static final int FORMAT = 1;
    static final String DOMAIN = "etcd plugin record v1";
    /**
     * The longest value read from etcd: a record of the longest key and value takes under 2 KiB in
     * this format, so anything longer is not one, and is not parsed or held.
     */
    static final int MAX_STORED = 4096;

    private static final ObjectMapper JSON = new ObjectMapper();

    /** What the node signed. */
    record Statement(
            @JsonProperty("member") String member,
            @JsonProperty("key") String key,
            @JsonProperty("version") long version,
            @JsonProperty("value") String value) {}

    /** A value as etcd holds it. */
    record Value(
            @JsonProperty("v") int v,
            @JsonProperty("record") String record,
            @JsonProperty("signature") String signature) {}

    /** A value that parsed: the signed text and its signature, still to be verified. */
    record Read(byte[] statement, byte[] signature) {}

    private PublishedRecord() {}

    static byte[] signed(String member, String key, long version, byte[] value, SigningKey signingKey) {
        byte[] text = write(new Statement(member, key, version, Base64.getEncoder().encodeToString(value)));
        return write(new Value(FORMAT, new String(text, StandardCharsets.UTF_8),
                Base64.getEncoder().encodeToString(signingKey.sign(DOMAIN, text))));
    }

    /**
     * Parses a value without trusting any of it.
     *
     * @throws IOException when it is not a record of a known format (the message says why)
     */
    static Read read(byte[] stored) throws IOException {
        if (stored.length > MAX_STORED) {
            throw new IOException(stored.length + " bytes, more than any record takes (" + MAX_STORED + ")");
        }
        Value json;
        try {
            JsonNode tree = JSON.readTree(stored);
            int v = tree == null ? 0 : tree.path("v").asInt(0);
            if (v != FORMAT) {
                throw new IOException("format v" + v + ", this node reads v" + FORMAT);
            }
            json = JSON.treeToValue(tree, Value.class);
        } catch (JsonProcessingException e) {
            throw new IOException("not JSON {v, record, signature}: " + e.getOriginalMessage(), e);
        }
        if (json.record() == null || json.signature() == null) {
            throw new IOException("lacks its record or its signature");
        }
        try {
            return new Read(json.record().getBytes(StandardCharsets.UTF_8), Base64.getDecoder().decode(json.signature()));
        } catch (IllegalArgumentException e) {
            throw new IOException("signature is not base64: " + e.getMessage(), e);
        }
    }

    /** The signed record's content, read only once its signature verified. */
    static Statement statement(byte[] text) throws IOException {
        try {
            return JSON.readValue(text, Statement.class);
        } catch (IOException e) {
            throw new IOException("signed record is not JSON {member, key, version, value}", e);
        }
    }

    /** The statement's value, within the limit every node publishes under. */
    static byte[] value(Statement statement) throws IOException {
        if (statement.value() == null) {
            throw new IOException("signed record has no value");
        }
        byte[] value;
        try {
            value = Base64.getDecoder().decode(statement.value());
        } catch (IllegalArgumentException e) {
            throw new IOException("value is not base64: " + e.getMessage(), e);
        }
        if (value.length > Membership.MAX_RECORD_VALUE) {
            throw new IOException("value of " + value.length + " bytes, more than " + Membership.MAX_RECORD_VALUE);
        }
        return value;
    }

    private static byte[] write(Object json) {
        try {
            return JSON.writeValueAsBytes(json);
        } catch (IOException e) {
            throw new IllegalStateException("serializing strings and a number cannot fail", e);
        }
    }
}
