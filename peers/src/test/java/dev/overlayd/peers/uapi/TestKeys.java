package dev.overlayd.peers.uapi;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.UnknownHostException;
import java.util.List;
import com.google.common.net.InetAddresses;
import dev.overlayd.noise.PresharedKey;
import dev.overlayd.noise.PrivateKey;
import dev.overlayd.noise.PublicKey;
import dev.overlayd.peers.IpPrefix;

/**
 * Fixed keys and a fixed device for the UAPI tests. The hex keys are the example values of
 * WireGuard's cross-platform UAPI documentation; the private key is already clamped, so it reads
 * back unchanged.
 */
final class TestKeys {
    private TestKeys() {}

    static final String PRIVATE_HEX = "e84b5a6d2717c1003a13b431570353dbaca9146cf150c5f8575680feba52027a";
    static final String PEER1_HEX = "b85996fecc9c7f1fc6d2572a76eda11d59bcd20be8e543b15ce4bd85a8e75a33";
    static final String PSK1_HEX = "188515093e952f5f22e865cef3012e72f8b5f0b598ac0309d5dacce3b70fcf52";
    static final String PEER2_HEX = "58402e695ba1772b1cc9309755f043251ea77fdcf10fbe63989ceb7e19321376";
    static final String PEER3_HEX = "662e14fd594556f522604703340351258903b64f35553763f19426ab2a515c58";
    static final String ZERO_HEX = "0".repeat(64);

    static final PrivateKey PRIVATE = PrivateKey.fromHex(PRIVATE_HEX);
    static final PublicKey PEER1 = PublicKey.fromHex(PEER1_HEX);
    static final PresharedKey PSK1 = PresharedKey.fromHex(PSK1_HEX);
    static final PublicKey PEER2 = PublicKey.fromHex(PEER2_HEX);
    static final PublicKey PEER3 = PublicKey.fromHex(PEER3_HEX);

    static IpPrefix prefix(String text) {
        return IpPrefix.parse(text);
    }

    static InetSocketAddress endpoint(String address, int port) {
        return new InetSocketAddress(InetAddresses.forString(address), port);
    }

    /** An IPv4 peer as a dual-stack socket reports it: an Inet6Address ::ffff:a.b.c.d. */
    static InetSocketAddress mappedEndpoint(int a, int b, int c, int d, int port) {
        byte[] bytes = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, (byte) a, (byte) b, (byte) c, (byte) d};
        try {
            return new InetSocketAddress(Inet6Address.getByAddress(null, bytes, (NetworkInterface) null), port);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    static InetSocketAddress scopedEndpoint(String v6, int scope, int port) {
        try {
            InetAddress plain = InetAddresses.forString(v6);
            return new InetSocketAddress(Inet6Address.getByAddress(null, plain.getAddress(), scope), port);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A device with every kind of field: an IPv6 and an IPv4-mapped endpoint, an unset endpoint,
     * counters past 2^63, a fwmark past 2^31, prefixes in a non-sorted insertion order.
     */
    static DeviceSnapshot fullSnapshot() {
        PeerSnapshot first = new PeerSnapshot(PEER1, PSK1, endpoint("abcd:23::33", 51820),
                1_700_000_000_123_456_789L, 38333, 2224, 0,
                List.of(prefix("192.168.4.4/32"), prefix("fd00:0:0:1::/64")));
        PeerSnapshot second = new PeerSnapshot(PEER2, PresharedKey.NONE, mappedEndpoint(182, 122, 22, 19, 3233),
                0, -1L, Long.MIN_VALUE, 111,
                List.of(prefix("192.168.4.6/32"), prefix("10.0.0.0/8"), prefix("::/0")));
        PeerSnapshot third = new PeerSnapshot(PEER3, PresharedKey.NONE, null, 5_000_000_000L, 0, 0, 25, List.of());
        return new DeviceSnapshot(PRIVATE, 12912, 0x8000_0001, List.of(first, second, third));
    }

    static DeviceSnapshot emptySnapshot() {
        return new DeviceSnapshot(null, 0, 0, List.of());
    }
}
