package dev.overlayd.membership.etcd;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.overlayd.membership.Member;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Base64;

/**
 * A member's value in etcd: {@code {"certificate": base64 DER, "endpoint": "ip:port"}}. The name is
 * the key's last segment, so it is not repeated in the value. Plain JSON, so that an operator reading
 * the cluster with etcdctl sees who is where.
 */
final class MemberRecord {
    private static final ObjectMapper JSON = new ObjectMapper();

    private record Json(String certificate, String endpoint) {}

    private MemberRecord() {}

    static byte[] encode(Member member) {
        InetSocketAddress endpoint = member.endpoint();
        String address = endpoint.getAddress().getHostAddress();
        // An IPv6 address in brackets, so the port after the last colon stays unambiguous.
        String host = address.contains(":") ? "[" + address + "]" : address;
        Json json = new Json(Base64.getEncoder().encodeToString(member.certificate()), host + ":" + endpoint.getPort());
        try {
            return JSON.writeValueAsBytes(json);
        } catch (IOException e) {
            throw new IllegalStateException("serializing a two-string record cannot fail", e);
        }
    }

    /** @throws IOException when the value is not a record this class wrote (its message says why) */
    static Member decode(String name, byte[] value) throws IOException {
        Json json;
        try {
            json = JSON.readValue(value, Json.class);
        } catch (IOException e) {
            throw new IOException("record of " + name + " is not JSON {certificate, endpoint}: " + e.getMessage(), e);
        }
        if (json.certificate() == null || json.endpoint() == null) {
            throw new IOException("record of " + name + " lacks its certificate or endpoint");
        }
        try {
            return new Member(name, Base64.getDecoder().decode(json.certificate()), endpoint(json.endpoint()));
        } catch (IllegalArgumentException e) {
            throw new IOException("record of " + name + ": " + e.getMessage(), e);
        }
    }

    private static InetSocketAddress endpoint(String text) throws IOException {
        int colon = text.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("endpoint '" + text + "' is not ip:port");
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        if (!isLiteralAddress(host)) {
            // InetAddress.getByName would resolve a host name, and a record names an address.
            throw new IllegalArgumentException("endpoint '" + text + "' is not an IP address and port");
        }
        int port = Integer.parseInt(text.substring(colon + 1));
        return new InetSocketAddress(InetAddress.getByName(host), port);
    }

    private static boolean isLiteralAddress(String host) {
        return host.contains(":") || host.chars().allMatch(c -> c == '.' || (c >= '0' && c <= '9'));
    }
}
