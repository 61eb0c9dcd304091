package dev.overlayd.peers;

import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import dev.overlayd.noise.Clock;
import dev.overlayd.noise.CookieGenerator;
import dev.overlayd.noise.Keypair;
import dev.overlayd.noise.PrivateKey;
import dev.overlayd.noise.Result;
import dev.overlayd.noise.message.HandshakeInitiation;
import dev.overlayd.noise.message.HandshakeMessage;
import dev.overlayd.noise.message.HandshakeResponse;
import dev.overlayd.noise.message.MessageType;
import dev.overlayd.tun.MemoryTun;

/**
 * Datagrams from anyone on the underlay, into a device that has a live session: every one is
 * dropped (counted) or answered, none throws and none reaches the TUN, since only a holder of the
 * session's key could make a packet that does. The harness helps the fuzzer past what it could not
 * guess: it may write the live session's receiver index into a data message or a cookie reply, and
 * a valid mac1 onto a handshake message, so that the checks behind those run too.
 */
class DeviceReceiveFuzzTest {
    private static final Endpoint FROM = new Endpoint(new InetSocketAddress("198.18.0.9", 51820), null);
    private static MemoryTun tunA;
    private static Device a;
    private static Device b;
    private static Bind.Receiver receiver;
    private static CookieGenerator macs;
    private static Peer bAtA;

    /** The memory bind, with the device's receiver kept so that a test can call it on its own thread. */
    private static final class Capturing implements Bind {
        private final Bind inner;
        private volatile Receiver receiver;

        Capturing(Bind inner) {
            this.inner = inner;
        }

        @Override
        public int open(int port, Receiver r) throws IOException {
            receiver = r;
            return inner.open(port, r);
        }

        @Override
        public void send(byte[] buf, int off, int len, Endpoint to) throws IOException {
            inner.send(buf, off, len, to);
        }

        @Override
        public void close() {
            inner.close();
        }
    }

    @BeforeAll
    static void sessionUp() throws Exception {
        SecureRandom random = new SecureRandom();
        MemoryNetwork network = new MemoryNetwork();
        tunA = new MemoryTun("fuzz-a");
        MemoryTun tunB = new MemoryTun("fuzz-b");
        Capturing bindA = new Capturing(network.bind("198.18.0.1"));
        MemoryNetwork.MemoryBind bindB = network.bind("198.18.0.2");
        a = new Device(tunA, bindA, Clock.SYSTEM, Timing.PROTOCOL);
        b = new Device(tunB, bindB, Clock.SYSTEM, Timing.PROTOCOL);
        PrivateKey keyA = PrivateKey.generate(random);
        PrivateKey keyB = PrivateKey.generate(random);
        a.setPrivateKey(keyA);
        b.setPrivateKey(keyB);
        a.up();
        b.up();
        bAtA = a.addPeer(keyB.publicKey());
        a.addAllowedIp(bAtA, IpPrefix.parse("100.64.0.2/32"));
        b.addAllowedIp(b.addPeer(keyA.publicKey()), IpPrefix.parse("100.64.0.1/32"));
        b.setEndpoint(b.peer(keyA.publicKey()), new InetSocketAddress("198.18.0.1", a.listenPort()));
        tunB.inject(Warmup.ipv4(2, 1, 84));
        if (tunA.poll(Duration.ofSeconds(10)) == null) {
            throw new IllegalStateException("no session between the fuzzed device and its peer");
        }
        // Nothing else arrives from b: the fuzzer's thread is the receive thread from here on.
        b.close();
        receiver = bindA.receiver;
        macs = new CookieGenerator(keyA.publicKey(), Clock.SYSTEM);
    }

    @AfterAll
    static void close() {
        if (a != null) {
            a.close();
        }
        if (b != null) {
            b.close();
        }
    }

    @FuzzTest
    void datagramsFromTheUnderlay(FuzzedDataProvider data) throws Exception {
        int help = data.consumeInt(0, 3);
        byte[] datagram = data.consumeRemainingAsBytes();
        if (datagram.length >= MessageType.MIN_LENGTH) {
            int type = MessageType.classify(datagram, 0, datagram.length);
            Keypair live = bAtA.keypairs.current();
            if (help == 1 && live != null && (type == MessageType.TRANSPORT || type == MessageType.COOKIE_REPLY)) {
                writeIndex(datagram, live.localIndex());
            } else if (help == 2) {
                withMac1(datagram, type);
            }
        }
        receiver.receive(datagram, 0, datagram.length, FROM);
        receiver.endOfBatch();
        assertNull(tunA.poll(Duration.ZERO), "a forged datagram reached the TUN");
    }

    private static void writeIndex(byte[] datagram, int index) {
        for (int i = 0; i < 4; i++) {
            datagram[4 + i] = (byte) (index >>> (8 * i));
        }
    }

    private static void withMac1(byte[] datagram, int type) {
        Result<? extends HandshakeMessage> message = switch (type) {
            case MessageType.INITIATION -> HandshakeInitiation.decode(datagram, 0, datagram.length);
            case MessageType.RESPONSE -> HandshakeResponse.decode(datagram, 0, datagram.length);
            default -> null;
        };
        if (message != null && message.isAccepted()) {
            macs.addMacs(message.value());
            byte[] signed = message.value().bytes();
            System.arraycopy(signed, 0, datagram, 0, signed.length);
        }
    }
}
