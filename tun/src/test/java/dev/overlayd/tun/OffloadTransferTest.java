package dev.overlayd.tun;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.security.MessageDigest;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import dev.overlayd.testing.Netns;

/**
 * A TCP transfer between two network namespaces whose only link is a pair of TUNs bridged by the
 * test: the kernels' TCP stacks on both ends, overlayd's TUN code in the middle. With offloads the
 * sending kernel hands over super-packets, the bridge splits them into segments and coalesces them
 * again for the receiving kernel, and the data must arrive intact. Needs root: fails without it.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class OffloadTransferTest {
    private static final int BYTES = 16 << 20;
    private static final int PORT = 5201;

    private Netns left;
    private Netns right;

    @BeforeEach
    void createNamespaces() throws IOException {
        left = Netns.create("ovt-");
        right = Netns.create("ovt-");
    }

    @AfterEach
    void deleteNamespaces() throws IOException {
        try {
            if (left != null) {
                left.close();
            }
        } finally {
            if (right != null) {
                right.close();
            }
        }
    }

    @Test
    void carriesTcpOverIpv4AsSuperPackets() throws Exception {
        Transfer t = transfer(Offloads.TCP, "100.64.0.1", "100.64.0.2");

        assertTrue(t.largestRead > 1, "no read returned more than one segment");
        assertTrue(t.sender.counters().superPacketsRead() > 0, "the sending kernel handed over no super-packet");
        assertTrue(t.sender.counters().segmentsRead() > 2 * t.sender.counters().superPacketsRead());
        assertTrue(t.receiver.counters().superPacketsWritten() > 0, "nothing was coalesced for the receiving kernel");
        assertNoDrops(t);
    }

    @Test
    void carriesTcpOverIpv6AsSuperPackets() throws Exception {
        Transfer t = transfer(Offloads.TCP, "fd00:64::1", "fd00:64::2");

        assertTrue(t.sender.counters().superPacketsRead() > 0, "the sending kernel handed over no super-packet");
        assertTrue(t.receiver.counters().superPacketsWritten() > 0, "nothing was coalesced for the receiving kernel");
        assertNoDrops(t);
    }

    @Test
    void carriesTcpPacketByPacketWithoutOffloads() throws Exception {
        Transfer t = transfer(Offloads.NONE, "100.64.0.1", "100.64.0.2");

        assertEquals(1, t.largestRead);
        assertEquals(0, t.sender.counters().superPacketsRead());
        assertEquals(0, t.receiver.counters().superPacketsWritten());
        assertNoDrops(t);
    }

    private record Transfer(LinuxTun sender, LinuxTun receiver, int largestRead) {
    }

    /** BYTES of random data from left to right over TCP, checked by SHA-256 on both ends. */
    private Transfer transfer(Offloads offloads, String leftAddress, String rightAddress) throws Exception {
        LinuxTun a = left.open(() -> LinuxTun.open("ovt%d", offloads));
        LinuxTun b = right.open(() -> LinuxTun.open("ovt%d", offloads));
        assertEquals(offloads, a.offloads());
        configure(left, a, leftAddress);
        configure(right, b, rightAddress);
        InetAddress server = InetAddress.ofLiteral(rightAddress);
        try (TunBridge bridge = new TunBridge(a, b);
                ServerSocket listener = right.call(() -> new ServerSocket(PORT, 1, server))) {
            CompletableFuture<byte[]> received = CompletableFuture.supplyAsync(() -> receive(listener));
            // Java creates a socket's descriptor when it connects: that must happen inside the namespace.
            byte[] sent = send(left.call(() -> {
                Socket client = new Socket();
                client.connect(new InetSocketAddress(server, PORT), 10_000);
                return client;
            }));

            assertArrayEquals(sent, received.get(60, TimeUnit.SECONDS), "SHA-256 of what arrived");
            assertNull(bridge.failure());
            int largest = bridge.largestRead();
            // The bridge ends once the TUNs are closed, before the namespaces go.
            a.close();
            b.close();
            return new Transfer(a, b, largest);
        }
    }

    private static void configure(Netns netns, LinuxTun tun, String address) throws IOException {
        Link link = Link.inNetns(netns.name(), tun.name());
        link.setMtu(1420);
        link.setUp();
        // No duplicate address detection: it would hold an IPv6 address back for a second or two.
        netns.ip("address", "add", address + (address.contains(":") ? "/64" : "/24"), "dev", tun.name(), "nodad");
    }

    private static byte[] send(Socket socket) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        Random random = new Random(BYTES);
        byte[] chunk = new byte[64 << 10];
        try (OutputStream out = socket.getOutputStream()) {
            for (int sent = 0; sent < BYTES; sent += chunk.length) {
                random.nextBytes(chunk);
                sha.update(chunk);
                out.write(chunk);
            }
        }
        return sha.digest();
    }

    private static byte[] receive(ServerSocket listener) {
        try (Socket socket = listener.accept(); InputStream in = socket.getInputStream()) {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[64 << 10];
            long total = 0;
            int n;
            while ((n = in.read(buf)) > 0) {
                sha.update(buf, 0, n);
                total += n;
            }
            assertEquals(BYTES, total);
            return sha.digest();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void assertNoDrops(Transfer t) {
        for (TunDrop drop : TunDrop.values()) {
            assertEquals(0, t.sender.counters().drops(drop) + t.receiver.counters().drops(drop), drop.name());
        }
    }
}
