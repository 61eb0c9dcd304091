package dev.overlayd.tun;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The kernel's TUN, each test in a network namespace of its own. Needs root: fails without it. */
class LinuxTunTest {
    private TestNetns netns;

    @BeforeEach
    void createNamespace() throws IOException {
        netns = TestNetns.create();
    }

    @AfterEach
    void deleteNamespace() throws IOException {
        if (netns != null) {
            netns.close();
        }
    }

    @Test
    void reportsTheNameTheKernelChose() throws IOException {
        LinuxTun first = netns.openTun("ovt%d");
        LinuxTun second = netns.openTun("ovt%d");
        LinuxTun named = netns.openTun("ovtnamed");

        assertEquals("ovt0", first.name());
        assertEquals("ovt1", second.name());
        assertEquals("ovtnamed", named.name());
        String links = netns.ip("-o", "link", "show");
        for (String name : new String[] {"ovt0", "ovt1", "ovtnamed"}) {
            assertTrue(links.contains(": " + name + ": "), links);
        }
    }

    @Test
    void refusesATooLongName() {
        IOException e = assertThrows(IOException.class, () -> netns.openTun("ovt-0123456789ab"));
        assertTrue(e.getMessage().startsWith("interface name too long (max 15)"), e.getMessage());
    }

    @Test
    void refusesANameLinuxDoesNotAllow() {
        for (String name : new String[] {"", ".", "..", "ovt/x", "ovt:x", "ovt x", "ovt\tx"}) {
            IOException e = assertThrows(IOException.class, () -> netns.openTun(name), name);
            assertEquals("invalid interface name (no '/', ':' or whitespace, not . or ..): " + name, e.getMessage());
        }
    }

    @Test
    void refusesANameInUse() throws IOException {
        netns.openTun("ovtbusy");
        IOException e = assertThrows(IOException.class, () -> netns.openTun("ovtbusy"));
        assertEquals("cannot create TUN interface ovtbusy: Device or resource busy", e.getMessage());
    }

    @Test
    void answersAnEchoRequest() throws Exception {
        LinuxTun tun = netns.openTun("ovt%d");
        Link link = netns.link(tun.name());
        link.addAddress("100.64.7.1/24");
        link.setUp();
        byte[] payload = "overlayd tun round trip".getBytes(StandardCharsets.US_ASCII);
        byte[] request = IcmpEcho.request("100.64.7.2", "100.64.7.1", 0x4f56, 1, payload);

        tun.write(request, 0, request.length);

        // The kernel may send its own packets first (IPv6 router solicitations, MLD reports).
        byte[] buf = new byte[LinuxTun.MAX_PACKET];
        for (int packets = 0; packets < 20; packets++) {
            int n = BlockedReader.start(tun, buf).result();
            if (IcmpEcho.isReply(buf, n)) {
                assertArrayEquals(IcmpEcho.ipv4("100.64.7.1"), Arrays.copyOfRange(buf, 12, 16));
                assertArrayEquals(IcmpEcho.ipv4("100.64.7.2"), Arrays.copyOfRange(buf, 16, 20));
                assertEquals(0x4f56, IcmpEcho.getShort(buf, 24));
                assertEquals(1, IcmpEcho.getShort(buf, 26));
                assertArrayEquals(payload, Arrays.copyOfRange(buf, 28, n));
                return;
            }
        }
        fail("no echo reply among the first 20 packets from the kernel");
    }

    @Test
    void truncatesAPacketLongerThanTheBuffer() throws Exception {
        LinuxTun tun = netns.openTun("ovt%d");
        Link link = netns.link(tun.name());
        link.addAddress("100.64.7.1/24");
        link.setUp();
        byte[] request = IcmpEcho.request("100.64.7.2", "100.64.7.1", 1, 1, new byte[100]);
        tun.write(request, 0, request.length);

        byte[] buf = new byte[30];
        int n = BlockedReader.start(tun, buf).result();

        assertEquals(buf.length, n);
    }

    @Test
    void refusesToWriteSomethingThatIsNotIp() throws IOException {
        LinuxTun tun = netns.openTun("ovt%d");
        byte[] garbage = new byte[40];

        IOException e = assertThrows(IOException.class, () -> tun.write(garbage, 0, garbage.length));
        assertEquals("cannot write to TUN " + tun.name() + ": Invalid argument", e.getMessage());
    }

    @Test
    void closeWakesABlockedReadAndRemovesTheInterface() throws Exception {
        LinuxTun tun = netns.openTun("ovt%d");
        BlockedReader reader = BlockedReader.start(tun, new byte[1500]);
        reader.awaitInKernelPoll();

        tun.close();

        assertEquals(-1, reader.result());
        assertFalse(netns.link(tun.name()).exists(), "the interface outlived close()");
        assertEquals(-1, tun.read(new byte[1500], 0, 1500));
        assertThrows(IOException.class, () -> tun.write(new byte[20], 0, 20));
        tun.close();
    }

    @Test
    void deletingTheInterfaceEndsABlockedRead() throws Exception {
        LinuxTun tun = netns.openTun("ovt%d");
        BlockedReader reader = BlockedReader.start(tun, new byte[1500]);
        reader.awaitInKernelPoll();

        netns.ip("link", "del", "dev", tun.name());

        assertEquals(-1, reader.result());
        assertEquals(-1, tun.read(new byte[1500], 0, 1500), "a read after the deletion");
        byte[] request = IcmpEcho.request("100.64.7.2", "100.64.7.1", 1, 1, new byte[8]);
        IOException e = assertThrows(IOException.class, () -> tun.write(request, 0, request.length));
        assertEquals("cannot write to TUN " + tun.name() + ": File descriptor in bad state", e.getMessage());
        tun.close();
    }

    @Test
    void answersSeveralEchoRequestsInTurn() throws Exception {
        LinuxTun tun = netns.openTun("ovt%d");
        Link link = netns.link(tun.name());
        link.addAddress("100.64.7.1/24");
        link.setUp();
        byte[] buf = new byte[LinuxTun.MAX_PACKET];
        for (int sequence = 1; sequence <= 3; sequence++) {
            byte[] request = IcmpEcho.request("100.64.7.2", "100.64.7.1", 7, sequence, new byte[16]);
            tun.write(request, 0, request.length);
            int n;
            do {
                n = BlockedReader.start(tun, buf).result();
                assertNotEquals(-1, n);
            } while (!IcmpEcho.isReply(buf, n));
            assertEquals(sequence, IcmpEcho.getShort(buf, 26));
        }
    }
}
