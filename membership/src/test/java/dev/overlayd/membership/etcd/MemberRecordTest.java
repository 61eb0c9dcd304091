package dev.overlayd.membership.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.overlayd.membership.Member;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class MemberRecordTest {
    private static final byte[] CERTIFICATE = {0x30, (byte) 0x82, 0x01, 0x0a, 0x00, (byte) 0xff};

    @Test
    void anIpv4RecordIsReadableJsonAndReadsBackAsItWas() throws IOException {
        Member member = new Member("n1", CERTIFICATE, new InetSocketAddress(InetAddress.getByName("198.18.0.1"), 51820));
        byte[] value = MemberRecord.encode(member);
        assertEquals("{\"certificate\":\"MIIBCgD/\",\"endpoint\":\"198.18.0.1:51820\"}",
                new String(value, StandardCharsets.UTF_8));
        assertEquals(member, MemberRecord.decode("n1", value));
    }

    @Test
    void anIpv6EndpointKeepsItsPortApart() throws IOException {
        Member member = new Member("n2", CERTIFICATE, new InetSocketAddress(InetAddress.getByName("fd00::1"), 51820));
        byte[] value = MemberRecord.encode(member);
        assertEquals(member, MemberRecord.decode("n2", value));
    }

    @Test
    void whatIsNotARecordIsRefusedWithTheMembersName() {
        IOException notJson = assertThrows(IOException.class, () -> decode("{"));
        assertTrue(notJson.getMessage().contains("n3"), notJson.getMessage());
        assertThrows(IOException.class, () -> decode("{\"certificate\":\"MIIB\"}"));
        assertThrows(IOException.class, () -> decode("{\"certificate\":\"not base64!\",\"endpoint\":\"10.0.0.1:1\"}"));
        assertThrows(IOException.class, () -> decode("{\"certificate\":\"MIIB\",\"endpoint\":\"example.com:1\"}"));
        assertThrows(IOException.class, () -> decode("{\"certificate\":\"MIIB\",\"endpoint\":\"10.0.0.1:70000\"}"));
    }

    private static Member decode(String json) throws IOException {
        return MemberRecord.decode("n3", json.getBytes(StandardCharsets.UTF_8));
    }
}
