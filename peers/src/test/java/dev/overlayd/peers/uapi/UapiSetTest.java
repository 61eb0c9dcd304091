package dev.overlayd.peers.uapi;

import static dev.overlayd.peers.uapi.ProtocolHarness.converse;
import static dev.overlayd.peers.uapi.TestKeys.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Locale;
import dev.overlayd.noise.PresharedKey;
import dev.overlayd.noise.PrivateKey;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** Parsing of set requests: every key, the sequences `wg` sends, and every error. */
class UapiSetTest {
    private final FakeUapiDevice device = new FakeUapiDevice(emptySnapshot());

    private SetRequest applyOk(String body) throws InterruptedException {
        assertEquals("errno=0\n\n", converse(device, "set=1\n" + body + "\n"));
        return device.takeApplied();
    }

    private void assertRejected(int errno, String body) {
        assertEquals("errno=" + errno + "\n\n", converse(device, "set=1\n" + body + "\n"));
        assertTrue(device.applied.isEmpty(), "a failed request must change nothing");
    }

    private static PeerChange peer(SetRequest request) {
        assertEquals(1, request.peers().size());
        return request.peers().getFirst();
    }

    @Test
    void wgSetconfSequence() throws InterruptedException {
        // What `wg setconf` sends for a file with one peer (`wg` writes lowercase hex).
        SetRequest request = applyOk("""
                private_key=%s
                listen_port=51820
                fwmark=0
                replace_peers=true
                public_key=%s
                preshared_key=%s
                endpoint=192.0.2.1:51820
                persistent_keepalive_interval=0
                replace_allowed_ips=true
                allowed_ip=10.0.0.0/24
                allowed_ip=fd00::/64
                public_key=%s
                preshared_key=%s
                persistent_keepalive_interval=25
                replace_allowed_ips=true
                """.formatted(PRIVATE_HEX, PEER1_HEX, PSK1_HEX, PEER2_HEX, ZERO_HEX));
        assertEquals(new SetRequest(PRIVATE, 51820, 0, true, List.of(
                new PeerChange(PEER1, false, false, PSK1, endpoint("192.0.2.1", 51820), 0, true,
                        List.of(AllowedIpChange.add(prefix("10.0.0.0/24")), AllowedIpChange.add(prefix("fd00::/64")))),
                new PeerChange(PEER2, false, false, PresharedKey.NONE, null, 25, true, List.of()))), request);
    }

    @Test
    void emptyRequestChangesNothing() throws InterruptedException {
        assertEquals(new SetRequest(null, null, null, false, List.of()), applyOk(""));
    }

    @Test
    void hexKeysInEitherCase() throws InterruptedException {
        SetRequest request = applyOk("private_key=" + PRIVATE_HEX.toUpperCase(Locale.ROOT) + "\npublic_key="
                + PEER1_HEX.toUpperCase(Locale.ROOT) + "\npreshared_key=" + PSK1_HEX.toUpperCase(Locale.ROOT) + "\n");
        assertEquals(PRIVATE, request.privateKey());
        assertEquals(PEER1, peer(request).publicKey());
        assertEquals(PSK1, peer(request).presharedKey());
    }

    @Test
    void zeroPrivateKeyIsPassedOnToClearTheKey() throws InterruptedException {
        PrivateKey key = applyOk("private_key=" + ZERO_HEX + "\n").privateKey();
        assertTrue(key.isZero());
    }

    @Test
    void deviceNumbersAtTheirBounds() throws InterruptedException {
        SetRequest request = applyOk("listen_port=65535\nfwmark=4294967295\n");
        assertEquals(65535, request.listenPort());
        assertEquals(-1, request.fwmark());
        request = applyOk("listen_port=0\nfwmark=0\n");
        assertEquals(0, request.listenPort());
        assertEquals(0, request.fwmark());
        assertEquals(51820, applyOk("listen_port=0051820\n").listenPort());
    }

    @Test
    void lastValueOfARepeatedKeyWins() throws InterruptedException {
        assertEquals(2, applyOk("listen_port=1\nlisten_port=2\n").listenPort());
    }

    @Test
    void incrementalAllowedIps() throws InterruptedException {
        // `wg set … allowed-ips +x,-y` style: no replace, additions and removals in order.
        PeerChange change = peer(applyOk("public_key=" + PEER1_HEX + "\nallowed_ip=100.64.0.2/32\n"
                + "allowed_ip=-100.64.0.3/32\nallowed_ip=-fd00::3/128\nallowed_ip=fd00::2/128\n"));
        assertEquals(new PeerChange(PEER1, false, false, null, null, null, false, List.of(
                AllowedIpChange.add(prefix("100.64.0.2/32")), AllowedIpChange.remove(prefix("100.64.0.3/32")),
                AllowedIpChange.remove(prefix("fd00::3/128")), AllowedIpChange.add(prefix("fd00::2/128")))), change);
    }

    @Test
    void allowedIpHostBitsAreMaskedAndMappedV6StaysV6() throws InterruptedException {
        PeerChange change = peer(applyOk("public_key=" + PEER1_HEX + "\nallowed_ip=10.1.2.3/8\n"
                + "allowed_ip=::ffff:1.2.3.4/128\nallowed_ip=0.0.0.0/0\n"));
        assertEquals(prefix("10.0.0.0/8"), change.allowedIps().get(0).prefix());
        assertEquals(16, change.allowedIps().get(1).prefix().address().length);
        assertEquals(128, change.allowedIps().get(1).prefix().bits());
        assertEquals(prefix("0.0.0.0/0"), change.allowedIps().get(2).prefix());
    }

    @Test
    void replaceAllowedIpsDropsTheLinesBeforeIt() throws InterruptedException {
        PeerChange change = peer(applyOk("public_key=" + PEER1_HEX + "\nallowed_ip=10.0.0.1/32\n"
                + "replace_allowed_ips=true\nallowed_ip=10.0.0.2/32\n"));
        assertTrue(change.replaceAllowedIps());
        assertEquals(List.of(AllowedIpChange.add(prefix("10.0.0.2/32"))), change.allowedIps());
    }

    @Test
    void updateOnlyAndRemove() throws InterruptedException {
        SetRequest request = applyOk("public_key=" + PEER1_HEX + "\nupdate_only=true\nendpoint=10.0.0.1:1\n"
                + "public_key=" + PEER2_HEX + "\nremove=true\n");
        assertEquals(List.of(
                new PeerChange(PEER1, false, true, null, endpoint("10.0.0.1", 1), null, false, List.of()),
                new PeerChange(PEER2, true, false, null, null, null, false, List.of())), request.peers());
    }

    @Test
    void sameKeyInTwoBlocksStaysTwoBlocksInOrder() throws InterruptedException {
        SetRequest request = applyOk("public_key=" + PEER1_HEX + "\nremove=true\npublic_key=" + PEER1_HEX
                + "\nallowed_ip=10.0.0.1/32\n");
        assertEquals(2, request.peers().size());
        assertTrue(request.peers().get(0).remove());
        assertEquals(1, request.peers().get(1).allowedIps().size());
    }

    @Test
    void endpointForms() throws InterruptedException {
        assertEquals(endpoint("198.18.0.2", 51820), endpointOf("198.18.0.2:51820"));
        assertEquals(endpoint("2001:db8::1", 443), endpointOf("[2001:db8::1]:443"));
        assertEquals(endpoint("1.2.3.4", 5), endpointOf("[::ffff:1.2.3.4]:5"));
        assertEquals(scopedEndpoint("fe80::1", 3, 51820), endpointOf("[fe80::1%3]:51820"));
        assertEquals(endpoint("0.0.0.0", 0), endpointOf("0.0.0.0:0"));
    }

    private java.net.InetSocketAddress endpointOf(String text) throws InterruptedException {
        return peer(applyOk("public_key=" + PEER1_HEX + "\nendpoint=" + text + "\n")).endpoint();
    }

    @Test
    void peerFieldsDefaultToUnchanged() throws InterruptedException {
        PeerChange change = peer(applyOk("public_key=" + PEER1_HEX + "\nprotocol_version=1\n"));
        assertEquals(new PeerChange(PEER1, false, false, null, null, null, false, List.of()), change);
        assertNull(change.presharedKey());
    }

    @Test
    void persistentKeepaliveBounds() throws InterruptedException {
        assertEquals(65535, peer(applyOk("public_key=" + PEER1_HEX + "\npersistent_keepalive_interval=65535\n"))
                .persistentKeepaliveSeconds());
        assertEquals(0, peer(applyOk("public_key=" + PEER1_HEX + "\npersistent_keepalive_interval=0\n"))
                .persistentKeepaliveSeconds());
    }

    @Test
    void carriageReturnsAreToleratedAsWireGuardGoDoes() throws InterruptedException {
        assertEquals(7, applyOk("listen_port=7\r\n\r").listenPort());
    }

    @Test
    void lineWithoutEqualsIsAProtocolError() {
        assertRejected(Errno.EPROTO, "listen_port\n");
        assertRejected(Errno.EPROTO, "public_key=" + PEER1_HEX + "\nremove\n");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "private_key=xyz",
            "private_key=e84b5a6d2717c1003a13b431570353dbaca9146cf150c5f8575680feba52027",
            "private_key=e84b5a6d2717c1003a13b431570353dbaca9146cf150c5f8575680feba52027a0",
            "private_key=g84b5a6d2717c1003a13b431570353dbaca9146cf150c5f8575680feba52027a",
            "private_key=",
            "listen_port=65536",
            "listen_port=-1",
            "listen_port=+1",
            "listen_port= 1",
            "listen_port=",
            "listen_port=99999999999999999999999",
            "fwmark=4294967296",
            "fwmark=0x10",
            "replace_peers=false",
            "replace_peers=",
            "unknown_key=1",
            "=1",
            "get=1",
            "public_key=abc",
            "public_key=@ZERO\nlisten_port=1",
            "public_key=@ZERO\nprivate_key=@ZERO",
            "public_key=@ZERO\nfwmark=0",
            "public_key=@ZERO\nreplace_peers=true",
            "public_key=@ZERO\nprotocol_version=2",
            "public_key=@ZERO\nprotocol_version=",
            "public_key=@ZERO\nupdate_only=1",
            "public_key=@ZERO\nremove=yes",
            "public_key=@ZERO\nreplace_allowed_ips=false",
            "public_key=@ZERO\npreshared_key=00",
            "public_key=@ZERO\npersistent_keepalive_interval=65536",
            "public_key=@ZERO\nendpoint=1.2.3.4",
            "public_key=@ZERO\nendpoint=1.2.3.4:",
            "public_key=@ZERO\nendpoint=1.2.3.4:65536",
            "public_key=@ZERO\nendpoint=[1.2.3.4]:5",
            "public_key=@ZERO\nendpoint=::1:5",
            "public_key=@ZERO\nendpoint=[::1]5",
            "public_key=@ZERO\nendpoint=[::1",
            "public_key=@ZERO\nendpoint=localhost:51820",
            "public_key=@ZERO\nendpoint=01.2.3.4:5",
            "public_key=@ZERO\nendpoint=[fe80::1%no-such-interface0]:5",
            "public_key=@ZERO\nendpoint=",
            "public_key=@ZERO\nallowed_ip=10.0.0.1",
            "public_key=@ZERO\nallowed_ip=10.0.0.0/33",
            "public_key=@ZERO\nallowed_ip=::/129",
            "public_key=@ZERO\nallowed_ip=10.0.0.0/08",
            "public_key=@ZERO\nallowed_ip=10.0.0.0/+8",
            "public_key=@ZERO\nallowed_ip=10.0.0.0/",
            "public_key=@ZERO\nallowed_ip=-",
            "public_key=@ZERO\nallowed_ip=--10.0.0.0/8",
            "public_key=@ZERO\nallowed_ip=fe80::%1/64",
            "public_key=@ZERO\nallowed_ip=example.com/32",
            "public_key=@ZERO\nlast_handshake_time_sec=0",
            "public_key=@ZERO\nPublic_Key=@ZERO",
    })
    void invalidKeysAndValues(String body) {
        // Annotation values must be constants, hence the placeholder for the all-zero key.
        assertRejected(Errno.EINVAL, body.replace("@ZERO", ZERO_HEX) + "\n");
    }

    @Test
    void firstErrorWinsAndNothingIsApplied() {
        // wireguard-go would have applied the private key and listen port before failing.
        assertRejected(Errno.EINVAL, "private_key=" + PRIVATE_HEX + "\nlisten_port=1\nbad_key=1\nno-equals-sign\n");
        assertRejected(Errno.EPROTO, "listen_port=1\nno-equals-sign\nbad_key=1\n");
    }

    @Test
    void deviceErrorsAreReportedAsTheirErrno() {
        device.failWith(new UapiException(Errno.EADDRINUSE, "port taken"));
        assertEquals("errno=-98\n\n", converse(device, "set=1\nlisten_port=51820\n\n"));
    }

    @Test
    void unexpectedDeviceFailureIsAnIoError() {
        device.breakWith(new IllegalStateException("bug"));
        assertEquals("errno=-5\n\n", converse(device, "set=1\nlisten_port=51820\n\n"));
    }

    @Test
    void ownPublicKeyBlocksAreDroppedByTheHelperTheDeviceUses() {
        SetRequest request = new SetRequest(null, null, null, false, List.of(
                new PeerChange(PRIVATE.publicKey(), false, false, null, null, 5, false, List.of()),
                new PeerChange(PEER1, false, false, null, null, 5, false, List.of())));
        assertEquals(List.of(PEER1), request.ignoringOwnKey(PRIVATE).peers().stream().map(PeerChange::publicKey).toList());
        // Without a key the device has no own key, so nothing is dropped.
        assertEquals(2, request.ignoringOwnKey(null).peers().size());
        // A private_key in the request is the one that counts.
        SetRequest newKey = new SetRequest(PRIVATE, null, null, false, request.peers());
        assertEquals(1, newKey.ignoringOwnKey(null).peers().size());
        SetRequest cleared = new SetRequest(PrivateKey.fromHex(ZERO_HEX), null, null, false, request.peers());
        assertEquals(2, cleared.ignoringOwnKey(PRIVATE).peers().size());
    }
}
