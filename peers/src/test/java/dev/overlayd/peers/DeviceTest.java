package dev.overlayd.peers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import dev.overlayd.noise.Clock;
import dev.overlayd.noise.Keypair;
import dev.overlayd.noise.PrivateKey;
import dev.overlayd.noise.Protocol;
import dev.overlayd.noise.message.HandshakeInitiation;
import dev.overlayd.tun.MemoryTun;

/** Two devices over an in-memory TUN and network: the whole send and receive path, without root. */
class DeviceTest {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final MemoryNetwork network = new MemoryNetwork();
    private Host a;
    private Host b;

    private final class Host implements AutoCloseable {
        final PrivateKey key = PrivateKey.generate(RANDOM);
        final MemoryTun tun;
        final MemoryNetwork.MemoryBind bind;
        final Device device;
        final String overlayIp;

        Host(String name, String overlayIp, Timing timing, String... underlayIps) {
            this.tun = new MemoryTun(name);
            this.bind = network.bind(underlayIps);
            this.overlayIp = overlayIp;
            this.device = new Device(tun, bind, Clock.SYSTEM, timing);
            device.setPrivateKey(key);
        }

        Peer knows(Host other, boolean withEndpoint) {
            Peer peer = device.addPeer(other.key.publicKey());
            device.addAllowedIp(peer, IpPrefix.parse(other.overlayIp + "/32"));
            if (withEndpoint) {
                device.setEndpoint(peer, other.bind.address());
            }
            return peer;
        }

        @Override
        public void close() {
            device.close();
        }
    }

    private void twoHosts(Timing timing) throws Exception {
        a = new Host("ovla", "100.64.0.1", timing, "198.18.0.1");
        b = new Host("ovlb", "100.64.0.2", timing, "198.18.0.2");
        a.device.up();
        b.device.up();
        a.knows(b, true);
        b.knows(a, false);
    }

    @AfterEach
    void tearDown() {
        if (a != null) {
            a.close();
        }
        if (b != null) {
            b.close();
        }
    }

    @Test
    void aPacketCrossesAndTheAnswerComesBack() throws Exception {
        twoHosts(Timing.PROTOCOL);
        byte[] request = ipv4("100.64.0.1", "100.64.0.2", "ping".getBytes());
        a.tun.inject(request);
        assertArrayEquals(request, b.tun.poll(WAIT), "b's kernel gets a's packet");

        byte[] reply = ipv4("100.64.0.2", "100.64.0.1", "pong".getBytes());
        b.tun.inject(reply);
        assertArrayEquals(reply, a.tun.poll(WAIT), "a's kernel gets b's answer");

        Peer bAtA = a.device.peer(b.key.publicKey());
        Peer aAtB = b.device.peer(a.key.publicKey());
        assertEquals(a.bind.address(), aAtB.endpoint(), "b learned a's endpoint from the handshake");
        assertTrue(bAtA.lastHandshakeEpochNanos > 0);
        // Counted just after the send, so possibly after b already answered: wait rather than race.
        waitFor(() -> bAtA.txBytes.get() >= HandshakeInitiation.SIZE + Keypair.OVERHEAD + 32,
                "a's tx counts the initiation and the data message (32 bytes of padded plaintext)");
        assertTrue(aAtB.rxBytes.get() >= 64, "the first data message, padded, plus overhead");
    }

    @Test
    void handshakesStartedByBothSidesAtOnceGiveSessionsWithoutARetry() throws Exception {
        // No retry within the test: the packets cross only if the crossing initiations are both answered.
        twoHosts(new Timing(Protocol.REKEY_AFTER_TIME, Protocol.REJECT_AFTER_TIME, Duration.ofHours(1).toNanos(),
                Protocol.KEEPALIVE_TIMEOUT, 1));
        b.device.setEndpoint(b.device.peer(a.key.publicKey()), a.bind.address());
        byte[] fromA = ipv4("100.64.0.1", "100.64.0.2", "from a".getBytes());
        byte[] fromB = ipv4("100.64.0.2", "100.64.0.1", "from b".getBytes());
        a.tun.inject(fromA);
        b.tun.inject(fromB);
        assertArrayEquals(fromA, b.tun.poll(WAIT));
        assertArrayEquals(fromB, a.tun.poll(WAIT));
    }

    @Test
    void theResponderWaitsForConfirmationBeforeSendingUnderANewSession() throws Exception {
        twoHosts(Timing.PROTOCOL);
        Peer aAtB = b.device.peer(a.key.publicKey());
        a.tun.inject(ipv4("100.64.0.1", "100.64.0.2", new byte[8]));
        assertNotNull(b.tun.poll(WAIT));
        // The initiator's keepalive or data confirmed the session: only now is it current at b.
        assertNotNull(aAtB.keypairs.current());
        assertEquals(false, aAtB.keypairs.current().isInitiator());
    }

    @Test
    void packetsWithoutARouteOrFromTheWrongSourceAreCountedDrops() throws Exception {
        twoHosts(Timing.PROTOCOL);
        a.tun.inject(ipv4("100.64.0.1", "100.64.0.99", new byte[8]));
        waitFor(() -> a.device.drops().get(Drop.NO_ROUTE) == 1, "no route counted");

        a.tun.inject(ipv4("100.64.0.1", "100.64.0.2", new byte[8]));
        assertNotNull(b.tun.poll(WAIT));
        // b claims to send from an address a did not allow for it.
        b.device.addAllowedIp(b.device.peer(a.key.publicKey()), IpPrefix.parse("100.64.0.0/24"));
        b.tun.inject(ipv4("100.64.0.7", "100.64.0.1", new byte[8]));
        Peer bAtA = a.device.peer(b.key.publicKey());
        waitFor(() -> bAtA.drops.get(Drop.SOURCE_NOT_ALLOWED) == 1, "spoofed source counted");
        assertNull(a.tun.poll(Duration.ofMillis(200)), "and not delivered");
    }

    @Test
    void repliesLeaveFromTheAddressThePeerSentTo() throws Exception {
        a = new Host("ovla", "100.64.0.1", Timing.PROTOCOL, "198.18.0.1");
        b = new Host("ovlb", "100.64.0.2", Timing.PROTOCOL, "198.18.0.2", "198.18.0.12");
        a.device.up();
        b.device.up();
        Peer bAtA = a.knows(b, false);
        a.device.setEndpoint(bAtA, b.bind.address(1));
        b.knows(a, false);

        a.tun.inject(ipv4("100.64.0.1", "100.64.0.2", "ping".getBytes()));
        assertNotNull(b.tun.poll(WAIT));
        b.tun.inject(ipv4("100.64.0.2", "100.64.0.1", "pong".getBytes()));
        assertNotNull(a.tun.poll(WAIT));
        assertEquals(b.bind.address(1), bAtA.endpoint(), "b answered from the address a called, not from its first");
    }

    @Test
    void paddingFollowsTheMtuUpToTheLargest() throws Exception {
        twoHosts(Timing.PROTOCOL);
        a.tun.inject(ipv4("100.64.0.1", "100.64.0.2", new byte[8]));
        assertNotNull(b.tun.poll(WAIT));
        Peer aAtB = b.device.peer(a.key.publicKey());
        // None a multiple of 16 but the last: a full-sized packet is padded to exactly the MTU, never past it.
        for (int mtu : new int[] {1300, 9001, 34736, Device.MAX_MTU}) {
            a.device.setMtu(mtu);
            long before = aAtB.rxBytes.get();
            byte[] packet = ipv4("100.64.0.1", "100.64.0.2", new byte[mtu - 20]);
            a.tun.inject(packet);
            assertArrayEquals(packet, b.tun.poll(WAIT), "a packet of " + mtu + " bytes crosses");
            assertEquals(mtu + Keypair.OVERHEAD, aAtB.rxBytes.get() - before, "its data message at MTU " + mtu);
        }
        assertThrows(IllegalArgumentException.class, () -> a.device.setMtu(Device.MAX_MTU + 1));
    }

    @Test
    void aPacketNoDatagramCanCarryIsACountedDrop() throws Exception {
        twoHosts(Timing.PROTOCOL);
        a.tun.inject(ipv4("100.64.0.1", "100.64.0.2", new byte[8]));
        assertNotNull(b.tun.poll(WAIT));

        a.tun.inject(ipv4("100.64.0.1", "100.64.0.2", new byte[Device.MAX_MTU + 1 - 20]));
        Peer bAtA = a.device.peer(b.key.publicKey());
        waitFor(() -> bAtA.drops.get(Drop.TOO_BIG) == 1, "too big counted");
        a.tun.inject(ipv4("100.64.0.1", "100.64.0.2", "after".getBytes()));
        assertArrayEquals("after".getBytes(), java.util.Arrays.copyOfRange(b.tun.poll(WAIT), 20, 25),
                "and the packets after it still cross");
    }

    @Test
    void aPeerThatMovesIsFollowed() throws Exception {
        twoHosts(Timing.PROTOCOL);
        a.tun.inject(ipv4("100.64.0.1", "100.64.0.2", new byte[8]));
        assertNotNull(b.tun.poll(WAIT));
        Peer aAtB = b.device.peer(a.key.publicKey());
        InetSocketAddress before = aAtB.endpoint();

        a.device.setListenPort(before.getPort() + 1000);
        assertNotEquals(before, a.bind.address());
        a.tun.inject(ipv4("100.64.0.1", "100.64.0.2", "moved".getBytes()));
        assertNotNull(b.tun.poll(WAIT));
        assertEquals(a.bind.address(), aAtB.endpoint(), "b follows a to its new port");
        b.tun.inject(ipv4("100.64.0.2", "100.64.0.1", "back".getBytes()));
        assertNotNull(a.tun.poll(WAIT), "and answers there");
    }

    @Test
    void sessionsRenewUnderTrafficWithoutLosingPackets() throws Exception {
        Timing fast = new Timing(Duration.ofMillis(300).toNanos(), Protocol.REJECT_AFTER_TIME,
                Duration.ofMillis(200).toNanos(), Protocol.KEEPALIVE_TIMEOUT, 18);
        twoHosts(fast);
        Peer bAtA = a.device.peer(b.key.publicKey());
        Keypair first = null;
        int renewals = 0;
        for (int i = 0; i < 60; i++) {
            byte[] packet = ipv4("100.64.0.1", "100.64.0.2", ("seq " + i).getBytes());
            a.tun.inject(packet);
            assertArrayEquals(packet, b.tun.poll(WAIT), "packet " + i);
            Keypair current = bAtA.keypairs.current();
            if (first == null) {
                first = current;
            } else if (current != first) {
                renewals++;
                first = current;
            }
            Thread.sleep(50);
        }
        assertTrue(renewals >= 2, "the initiator rekeyed every 300 ms of traffic; saw " + renewals);
    }

    @Test
    void removingAPeerForgetsItsSessions() throws Exception {
        twoHosts(Timing.PROTOCOL);
        a.tun.inject(ipv4("100.64.0.1", "100.64.0.2", new byte[8]));
        assertNotNull(b.tun.poll(WAIT));
        Peer bAtA = a.device.peer(b.key.publicKey());
        Keypair session = bAtA.keypairs.current();
        a.device.removePeer(b.key.publicKey());
        assertNull(a.device.peer(b.key.publicKey()));
        assertNull(bAtA.keypairs.current());
        assertEquals(Drop.KEYPAIR_EXPIRED, Drop.ofCode(session.seal(dev.overlayd.noise.TransportCipher.create(),
                new byte[64], 0, 8, 1420, System.nanoTime())), "its keys were wiped");
        a.tun.inject(ipv4("100.64.0.1", "100.64.0.2", new byte[8]));
        waitFor(() -> a.device.drops().get(Drop.NO_ROUTE) == 1, "its allowed IPs went with it");
    }

    @Test
    void sideChannelsGetTheirOwnTypesAndOtherUnknownTypesAreCountedDrops() throws Exception {
        twoHosts(Timing.PROTOCOL);
        java.util.concurrent.BlockingQueue<byte[]> heard = new java.util.concurrent.LinkedBlockingQueue<>();
        b.device.attach(new SideChannel() {
            @Override
            public byte type() {
                return 0x6f;
            }

            @Override
            public void receive(byte[] buf, int off, int len, java.net.InetSocketAddress from) {
                heard.add(java.util.Arrays.copyOfRange(buf, off, off + len));
            }
        });
        byte[] message = new byte[40];
        message[0] = 0x6f;
        message[39] = 7;
        a.device.sendOther(message, b.bind.address());
        assertArrayEquals(message, heard.poll(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS));

        java.util.concurrent.BlockingQueue<byte[]> second = new java.util.concurrent.LinkedBlockingQueue<>();
        b.device.attach(new SideChannel() {
            @Override
            public byte type() {
                return 0x71;
            }

            @Override
            public void receive(byte[] buf, int off, int len, java.net.InetSocketAddress from) {
                second.add(java.util.Arrays.copyOfRange(buf, off, off + len));
            }
        });
        byte[] forSecond = message.clone();
        forSecond[0] = 0x71;
        a.device.sendOther(forSecond, b.bind.address());
        assertArrayEquals(forSecond, second.poll(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS),
                "each type reaches its own channel");

        byte[] other = message.clone();
        other[0] = 0x70;
        a.device.sendOther(other, b.bind.address());
        waitFor(() -> b.device.drops().get(Drop.UNKNOWN_TYPE) == 1, "another type counted as unknown");
        assertTrue(heard.isEmpty());
        assertTrue(second.isEmpty());
        assertThrows(IllegalArgumentException.class, () -> b.device.attach(new SideChannel() {
            @Override
            public byte type() {
                return 0x6f;
            }

            @Override
            public void receive(byte[] buf, int off, int len, java.net.InetSocketAddress from) {}
        }), "a type already attached is refused");
        assertThrows(IllegalArgumentException.class, () -> b.device.attach(new SideChannel() {
            @Override
            public byte type() {
                return 4;
            }

            @Override
            public void receive(byte[] buf, int off, int len, java.net.InetSocketAddress from) {}
        }), "WireGuard's types stay WireGuard's");
    }

    /** A minimal IPv4 packet: a 20-byte header with a valid length, then the payload. */
    private static byte[] ipv4(String source, String destination, byte[] payload) throws Exception {
        byte[] p = new byte[20 + payload.length];
        p[0] = 0x45;
        p[2] = (byte) (p.length >>> 8);
        p[3] = (byte) p.length;
        p[8] = 64;
        p[9] = (byte) 253;
        System.arraycopy(InetAddress.getByName(source).getAddress(), 0, p, 12, 4);
        System.arraycopy(InetAddress.getByName(destination).getAddress(), 0, p, 16, 4);
        System.arraycopy(payload, 0, p, 20, payload.length);
        return p;
    }

    private static void waitFor(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting: " + what);
            Thread.sleep(10);
        }
    }

}
