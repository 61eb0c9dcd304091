package dev.overlayd.peers.uapi;

import static dev.overlayd.peers.uapi.ProtocolHarness.converse;
import static dev.overlayd.peers.uapi.TestKeys.*;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import dev.overlayd.noise.PresharedKey;
import dev.overlayd.noise.PrivateKey;
import org.junit.jupiter.api.Test;

/** The get reply, byte for byte, since `wg` parses it line by line. */
class UapiGetTest {

    @Test
    void fullDeviceIsPrintedAsWireGuardGoPrintsIt() {
        String expected = """
                private_key=%s
                listen_port=12912
                fwmark=2147483649
                public_key=%s
                preshared_key=%s
                protocol_version=1
                endpoint=[abcd:23::33]:51820
                last_handshake_time_sec=1700000000
                last_handshake_time_nsec=123456789
                tx_bytes=38333
                rx_bytes=2224
                persistent_keepalive_interval=0
                allowed_ip=192.168.4.4/32
                allowed_ip=fd00:0:0:1::/64
                public_key=%s
                preshared_key=%s
                protocol_version=1
                endpoint=182.122.22.19:3233
                last_handshake_time_sec=0
                last_handshake_time_nsec=0
                tx_bytes=18446744073709551615
                rx_bytes=9223372036854775808
                persistent_keepalive_interval=111
                allowed_ip=192.168.4.6/32
                allowed_ip=10.0.0.0/8
                allowed_ip=::/0
                public_key=%s
                preshared_key=%s
                protocol_version=1
                last_handshake_time_sec=5
                last_handshake_time_nsec=0
                tx_bytes=0
                rx_bytes=0
                persistent_keepalive_interval=25
                errno=0

                """.formatted(PRIVATE_HEX, PEER1_HEX, PSK1_HEX, PEER2_HEX, ZERO_HEX, PEER3_HEX, ZERO_HEX);
        assertEquals(expected, converse(new FakeUapiDevice(fullSnapshot()), "get=1\n\n"));
    }

    @Test
    void emptyDevicePrintsOnlyTheErrno() {
        assertEquals("errno=0\n\n", converse(new FakeUapiDevice(emptySnapshot()), "get=1\n\n"));
    }

    @Test
    void zeroPrivateKeyIsNotPrinted() {
        DeviceSnapshot snapshot = new DeviceSnapshot(PrivateKey.fromHex(ZERO_HEX), 0, 0, List.of());
        assertEquals("errno=0\n\n", converse(new FakeUapiDevice(snapshot), "get=1\n\n"));
    }

    @Test
    void endpointForms() {
        assertEquals("1.2.3.4:5", UapiValues.formatEndpoint(endpoint("1.2.3.4", 5)));
        assertEquals("1.2.3.4:65535", UapiValues.formatEndpoint(mappedEndpoint(1, 2, 3, 4, 65535)));
        assertEquals("[::1]:51820", UapiValues.formatEndpoint(endpoint("::1", 51820)));
        assertEquals("[2001:db8::1:0:0:1]:1", UapiValues.formatEndpoint(endpoint("2001:db8:0:0:1:0:0:1", 1)));
        assertEquals("[fe80::1%7]:51820", UapiValues.formatEndpoint(scopedEndpoint("fe80::1", 7, 51820)));
        // IPv4-compatible (deprecated) addresses are IPv6 and stay so; only ::ffff: is IPv4.
        assertEquals("[::102:304]:9", UapiValues.formatEndpoint(endpoint("::1.2.3.4", 9)));
    }

    @Test
    void prefixForms() {
        assertEquals("0.0.0.0/0", String.valueOf(prefix("0.0.0.0/0")));
        assertEquals("100.64.0.0/10", String.valueOf(prefix("100.64.3.7/10")));
        assertEquals("fd00::2/128", String.valueOf(prefix("fd00::2/128")));
        assertEquals("::ffff:0.0.0.0/96",
                String.valueOf(new dev.overlayd.peers.IpPrefix(new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                        (byte) 0xff, (byte) 0xff, 9, 9, 9, 9}, 96)));
    }

    @Test
    void trailingTextAfterGetIsInvalidAndTheConnectionGoesOn() {
        assertEquals("errno=-22\n\nerrno=0\n\n",
                converse(new FakeUapiDevice(emptySnapshot()), "get=1\nx\nget=1\n\n"));
    }

    @Test
    void aFailingSnapshotIsAnIoError() {
        FakeUapiDevice device = new FakeUapiDevice(emptySnapshot());
        device.breakWith(new IllegalStateException("bug"));
        assertEquals("errno=-5\n\n", converse(device, "get=1\n\n"));
    }

    @Test
    void presharedKeyNoneIsAllZeros() {
        PeerSnapshot peer = new PeerSnapshot(PEER1, null, null, 0, 0, 0, 0, List.of());
        assertEquals(PresharedKey.NONE, peer.presharedKey());
    }
}
