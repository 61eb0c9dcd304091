package dev.overlayd.membership.etcd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.overlayd.membership.Member;
import dev.overlayd.membership.identity.SigningKey;
import dev.overlayd.noise.PrivateKey;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class MemberRecordTest {
    private static final byte[] CERTIFICATE = {0x30, (byte) 0x82, 0x01, 0x0a, 0x00, (byte) 0xff};
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aNodesValueHoldsTheRecordAsSignedItsSignatureAndItsCertificate() throws IOException {
        Member member = new Member("n1", CERTIFICATE, new InetSocketAddress(InetAddress.getByName("198.18.0.1"), 51820));
        try (SigningKey key = SigningKey.derive(PrivateKey.generate(new SecureRandom()))) {
            byte[] value = MemberRecord.signed(member, 1764600000000L, key);

            JsonNode json = JSON.readTree(value);
            assertEquals(1, json.get("v").asInt());
            assertEquals("MIIBCgD/", json.get("certificate").asText());
            assertEquals("{\"name\":\"n1\",\"endpoint\":\"198.18.0.1:51820\",\"version\":1764600000000,"
                    + "\"certificate_sha256\":\"" + HexFormat.of().formatHex(MemberRecord.sha256(CERTIFICATE)) + "\"}",
                    json.get("record").asText());
            MemberRecord.Read read = MemberRecord.read(value);
            assertTrue(key.verifyingKey().verifies(MemberRecord.DOMAIN, read.statement(), read.signature()));
            assertArrayEquals(CERTIFICATE, read.certificate());
            assertEquals(new MemberRecord.Statement("n1", "198.18.0.1:51820", 1764600000000L,
                    HexFormat.of().formatHex(MemberRecord.sha256(CERTIFICATE))), MemberRecord.statement(read.statement()));
        }
    }

    @Test
    void aStaticHostsValueIsItsCertificateAlone() throws IOException {
        Member host = new Member("db1", CERTIFICATE, new InetSocketAddress(InetAddress.getByName("198.18.0.9"), 5432));
        byte[] value = MemberRecord.staticHost(host);
        assertEquals("{\"v\":1,\"certificate\":\"MIIBCgD/\"}", new String(value, StandardCharsets.UTF_8));
        MemberRecord.Read read = MemberRecord.read(value);
        assertNull(read.statement());
        assertNull(read.signature());
    }

    @Test
    void anEndpointIsAnAddressLiteralAndAPortIpv6InBrackets() throws IOException {
        assertEquals(new InetSocketAddress(InetAddress.getByName("fd00::1"), 51820), MemberRecord.endpoint("[fd00::1]:51820"));
        assertThrows(IOException.class, () -> MemberRecord.endpoint("example.com:1"));
        assertThrows(IOException.class, () -> MemberRecord.endpoint("10.0.0.1:70000"));
        assertThrows(IOException.class, () -> MemberRecord.endpoint("10.0.0.1"));
    }

    @Test
    void otherFormatsAreKnownAsSuchAndWhatIsNotAValueIsRefused() {
        assertThrows(MemberRecord.UnknownFormat.class,
                () -> read("{\"certificate\":\"MIIB\",\"endpoint\":\"10.0.0.1:1\"}"), "the first, unsigned format");
        assertThrows(MemberRecord.UnknownFormat.class, () -> read("{\"v\":2,\"anything\":[]}"));
        assertThrows(IOException.class, () -> read("{"));
        assertThrows(IOException.class, () -> read("{\"v\":1}"));
        assertThrows(IOException.class, () -> read("{\"v\":1,\"certificate\":\"MIIB\",\"record\":\"{}\"}"));
        assertThrows(IOException.class, () -> read("{\"v\":1,\"certificate\":\"not base64!\"}"));
        assertThrows(IOException.class, () -> read("{\"v\":1,\"certificate\":\"MIIB\",\"extra\":1}"));
    }

    private static MemberRecord.Read read(String json) throws IOException {
        return MemberRecord.read(json.getBytes(StandardCharsets.UTF_8));
    }
}
