package dev.overlayd.peers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import dev.overlayd.noise.Clock;
import dev.overlayd.noise.CookieGenerator;
import dev.overlayd.noise.Handshake;
import dev.overlayd.noise.PrivateKey;
import dev.overlayd.noise.PublicKey;
import dev.overlayd.noise.StaticIdentity;
import dev.overlayd.noise.message.CookieReply;
import dev.overlayd.noise.message.HandshakeInitiation;
import dev.overlayd.noise.message.HandshakeMessage;
import dev.overlayd.noise.message.HandshakeResponse;
import dev.overlayd.noise.message.MessageType;
import dev.overlayd.tun.MemoryTun;

/**
 * Cookies under load, end to end on the in-memory network: a flood makes the device fall behind
 * until it is under load; then a source that holds a cookie is held to its rate limit while
 * another source still completes a handshake.
 */
class HandshakeRateLimitTest {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Duration WAIT = Duration.ofSeconds(10);
    /** Sent at once, far more than 128 pile up behind a worker doing Diffie-Hellman for each. */
    private static final int LOAD_FLOOD = 1000;
    private static final int COOKIE_FLOOD = 50;
    /** What a fresh source gets at a single instant: wireguard-go's burst of five needs time to pass. */
    private static final int BURST_AT_ONE_INSTANT = 4;

    /** The device's clock stands still: once under load it stays so, and no tokens come back. */
    private static final Clock STILL = new Clock() {
        @Override
        public long nanoTime() {
            return 0;
        }

        @Override
        public long epochNanos() {
            return 1_772_366_400L * 1_000_000_000L;
        }
    };

    private final MemoryNetwork network = new MemoryNetwork();
    private final PrivateKey key = PrivateKey.generate(RANDOM);
    private final MemoryNetwork.MemoryBind bind = network.bind("198.18.0.2");
    private final Device device = new Device(new MemoryTun("ovlb"), bind, STILL, Timing.PROTOCOL);
    private Sender flooder;
    private Sender other;

    /** Handshake messages made from the noise primitives, sent as often as a test says. */
    private final class Sender {
        final StaticIdentity identity = StaticIdentity.generate(RANDOM);
        final MemoryNetwork.MemoryBind bind;
        final Handshake handshake;
        final CookieGenerator cookies;
        final BlockingQueue<byte[]> inbox = new LinkedBlockingQueue<>();

        Sender(String ip, PublicKey responder) {
            bind = network.bind(ip);
            bind.open(0, (buf, off, len, from) -> inbox.add(Arrays.copyOfRange(buf, off, off + len)));
            handshake = new Handshake(identity, responder, Clock.SYSTEM, RANDOM);
            cookies = new CookieGenerator(responder, Clock.SYSTEM);
        }

        HandshakeInitiation initiation() {
            HandshakeInitiation m = handshake.createInitiation(RANDOM.nextInt()).value();
            cookies.addMacs(m);
            return m;
        }

        void send(HandshakeMessage m, int times) {
            for (int i = 0; i < times; i++) {
                bind.send(m.bytes(), 0, m.bytes().length, new Endpoint(HandshakeRateLimitTest.this.bind.address()));
            }
        }

        /** The next datagram of this type; the device may have sent several of another first. */
        byte[] receive(int type) throws InterruptedException {
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (true) {
                byte[] d = inbox.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                assertNotNull(d, "timed out waiting for a message of type " + type);
                if (MessageType.classify(d, 0, d.length) == type) {
                    return d;
                }
            }
        }

        /** Takes the device's cookie reply to the last message sent, so the next one carries mac2. */
        void takeCookie() throws InterruptedException {
            byte[] d = receive(MessageType.COOKIE_REPLY);
            assertTrue(cookies.consumeReply(CookieReply.decode(d, 0, d.length).value()).isAccepted());
            assertTrue(cookies.hasFreshCookie());
        }
    }

    @AfterEach
    void tearDown() {
        device.close();
        for (Sender s : new Sender[] {flooder, other}) {
            if (s != null) {
                s.bind.close();
            }
        }
    }

    @Test
    void underLoadAFlooderWithACookieIsLimitedWhileAnotherSourceGetsThrough() throws Exception {
        device.setPrivateKey(key);
        device.up();
        DropCounters drops = device.drops();
        // An attacker needs only the device's public key for mac1, and an address it receives at for a cookie.
        flooder = new Sender("198.18.0.66", key.publicKey());
        other = new Sender("198.18.0.3", key.publicKey());
        device.addPeer(other.identity.publicKey());

        HandshakeInitiation noCookie = flooder.initiation();
        long sent = 0;
        for (int round = 0; drops.get(Drop.COOKIE_REQUIRED) == 0; round++) {
            assertTrue(round < 10, "the device never came under load");
            flooder.send(noCookie, LOAD_FLOOD);
            sent += LOAD_FLOOD;
            long total = sent;
            waitFor(() -> drops.get(Drop.UNKNOWN_PEER) + drops.get(Drop.COOKIE_REQUIRED)
                    + drops.get(Drop.HANDSHAKE_QUEUE_FULL) == total, "the flood was handled");
        }
        assertEquals(0, drops.get(Drop.RATE_LIMITED), "neither before the load nor without mac2 is the limit asked");

        flooder.takeCookie();
        long passedBefore = drops.get(Drop.UNKNOWN_PEER);
        flooder.send(flooder.initiation(), COOKIE_FLOOD);
        waitFor(() -> drops.get(Drop.RATE_LIMITED) + drops.get(Drop.UNKNOWN_PEER) - passedBefore == COOKIE_FLOOD,
                "the flood with a cookie was handled");
        assertEquals(COOKIE_FLOOD - BURST_AT_ONE_INSTANT, drops.get(Drop.RATE_LIMITED),
                "past its burst, the flooder's messages are refused before any Diffie-Hellman");

        other.send(other.initiation(), 1);
        other.takeCookie();
        other.send(other.initiation(), 1);
        byte[] d = other.receive(MessageType.RESPONSE);
        HandshakeResponse response = HandshakeResponse.decode(d, 0, d.length).value();
        assertTrue(other.handshake.consumeResponse(response).isAccepted(), "the other source's handshake completed");

        flooder.send(flooder.initiation(), 1);
        waitFor(() -> drops.get(Drop.RATE_LIMITED) == COOKIE_FLOOD - BURST_AT_ONE_INSTANT + 1,
                "and the flooder is still refused");
    }

    private static void waitFor(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting: " + what);
            Thread.sleep(10);
        }
    }
}
