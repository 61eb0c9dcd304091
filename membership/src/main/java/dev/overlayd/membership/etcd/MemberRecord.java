package dev.overlayd.membership.etcd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.overlayd.membership.Member;
import dev.overlayd.membership.identity.SigningKey;
import java.io.IOException;
import java.net.InetSocketAddress;
import dev.overlayd.peers.HostPort;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;

/**
 * A member's value in etcd, format 1. A node's:
 * {@code {"v":1,"record":"{\"name\":…,\"endpoint\":\"ip:port\",\"version\":…,\"certificate_sha256\":…}",
 * "signature":base64,"certificate":base64 DER}}: the record is kept as the very text the node signed
 * (Ed25519ctx, {@link #DOMAIN}), so that reading it back never depends on re-encoding it the same way.
 * A static host's, written by whichever node publishes it: {@code {"v":1,"certificate":base64 DER}},
 * unsigned and without an endpoint, since the host's certificate names where it listens.
 * Plain JSON, so that an operator reading the cluster with etcdctl sees who is where.
 *
 * <p>{@code v} is what lets a later format be introduced by a rolling upgrade: a release that reads
 * both formats but still writes this one goes first, everywhere; the next one writes the new format.
 */
final class MemberRecord {
    static final int FORMAT = 1;
    static final String DOMAIN = "etcd record v1";

    private static final ObjectMapper JSON = new ObjectMapper();

    /** What a node says about itself: the part its signature covers. */
    record Statement(
            @JsonProperty("name") String name,
            @JsonProperty("endpoint") String endpoint,
            @JsonProperty("version") long version,
            @JsonProperty("certificate_sha256") String certificateSha256) {}

    /** A value as etcd holds it; {@code record} and {@code signature} are null for a static host. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Value(
            @JsonProperty("v") int v,
            @JsonProperty("record") String record,
            @JsonProperty("signature") String signature,
            @JsonProperty("certificate") String certificate) {}

    /** A value that parsed: what it holds, still to be verified. */
    record Read(byte[] statement, byte[] signature, byte[] certificate) {
        boolean signed() {
            return statement != null;
        }
    }

    private MemberRecord() {}

    /** A node's own record, signed by it; {@code version} must be higher than any it published before. */
    static byte[] signed(Member self, long version, SigningKey key) {
        Statement statement = new Statement(self.name(), format(self.endpoint()), version,
                HexFormat.of().formatHex(sha256(self.certificate())));
        byte[] text = write(statement);
        return write(new Value(FORMAT, new String(text, StandardCharsets.UTF_8),
                Base64.getEncoder().encodeToString(key.sign(DOMAIN, text)),
                Base64.getEncoder().encodeToString(self.certificate())));
    }

    static byte[] staticHost(Member host) {
        return write(new Value(FORMAT, null, null, Base64.getEncoder().encodeToString(host.certificate())));
    }

    /**
     * Parses a value without trusting any of it.
     *
     * @throws IOException when it is not a value of a known format (the message says why)
     */
    static Read read(byte[] value) throws IOException {
        Value json;
        try {
            JsonNode tree = JSON.readTree(value);
            // The format first: a later one may have other fields. The first, unsigned one had no v.
            int v = tree == null ? 0 : tree.path("v").asInt(0);
            if (v != FORMAT) {
                throw new UnknownFormat(v);
            }
            json = JSON.treeToValue(tree, Value.class);
        } catch (JsonProcessingException e) {
            throw new IOException("not JSON {v, record, signature, certificate}: " + e.getOriginalMessage(), e);
        }
        if (json.certificate() == null || (json.record() == null) != (json.signature() == null)) {
            throw new IOException("lacks its certificate, or has a record without a signature or the reverse");
        }
        try {
            return new Read(json.record() == null ? null : json.record().getBytes(StandardCharsets.UTF_8),
                    json.signature() == null ? null : Base64.getDecoder().decode(json.signature()),
                    Base64.getDecoder().decode(json.certificate()));
        } catch (IllegalArgumentException e) {
            throw new IOException("not base64: " + e.getMessage(), e);
        }
    }

    /** The signed record's content, read only once its signature verified. */
    static Statement statement(byte[] text) throws IOException {
        try {
            return JSON.readValue(text, Statement.class);
        } catch (IOException e) {
            throw new IOException("signed record is not JSON {name, endpoint, version, certificate_sha256}", e);
        }
    }

    /** A value in a format this release does not know, e.g. a newer one during a rolling upgrade. */
    static final class UnknownFormat extends IOException {
        UnknownFormat(int v) {
            super("format v" + v + ", this node reads v" + FORMAT);
        }
    }

    static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private static byte[] write(Object json) {
        try {
            return JSON.writeValueAsBytes(json);
        } catch (IOException e) {
            throw new IllegalStateException("serializing strings and a number cannot fail", e);
        }
    }

    private static String format(InetSocketAddress endpoint) {
        return HostPort.of(endpoint).toString();
    }

    /** An endpoint as a record gives it: an IP address literal and a port, never a name to resolve. */
    static InetSocketAddress endpoint(String text) throws IOException {
        HostPort endpoint;
        try {
            endpoint = HostPort.parse(String.valueOf(text));
        } catch (IllegalArgumentException e) {
            throw new IOException("endpoint '" + text + "' is not ip:port (" + e.getMessage() + ")");
        }
        if (!endpoint.isAddress()) {
            // Resolving would look a host name up, and a record names an address.
            throw new IOException("endpoint '" + text + "' is not an IP address and port");
        }
        return endpoint.resolve();
    }
}
