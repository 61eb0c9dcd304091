package dev.overlayd.tun;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import dev.overlayd.testing.IcmpEcho;
import dev.overlayd.testing.Netns;

/**
 * The kernel's TUN, each test in a network namespace of its own, with and without offloads. Needs
 * root: fails without it.
 */
class LinuxTunTest {
    private Netns netns;
    private final PacketBatch batch = new PacketBatch(8, 16, LinuxTun.MAX_PACKET, 31);

    @BeforeEach
    void createNamespace() throws IOException {
        netns = Netns.create("ovt-");
    }

    @AfterEach
    void deleteNamespace() throws IOException {
        if (netns != null) {
            netns.close();
        }
    }

    @Test
    void reportsTheNameTheKernelChose() throws IOException {
        LinuxTun first = netns.open(() -> LinuxTun.open("ovt%d"));
        LinuxTun second = netns.open(() -> LinuxTun.open("ovt%d"));
        LinuxTun named = netns.open(() -> LinuxTun.open("ovtnamed"));

        assertEquals("ovt0", first.name());
        assertEquals("ovt1", second.name());
        assertEquals("ovtnamed", named.name());
        String links = netns.ip("-o", "link", "show");
        for (String name : new String[] {"ovt0", "ovt1", "ovtnamed"}) {
            assertTrue(links.contains(": " + name + ": "), links);
        }
    }

    @Test
    void opensWithTcpOffloadsWhenTheKernelGrantsThem() throws IOException {
        assertEquals(Offloads.TCP, netns.open(() -> LinuxTun.open("ovt%d")).offloads());
        assertEquals(Offloads.NONE, netns.open(() -> LinuxTun.open("ovt%d", Offloads.NONE)).offloads());
    }

    @Test
    void refusesATooLongName() {
        IOException e = assertThrows(IOException.class, () -> netns.open(() -> LinuxTun.open("ovt-0123456789ab")));
        assertTrue(e.getMessage().startsWith("interface name too long (max 15)"), e.getMessage());
    }

    @Test
    void refusesANameLinuxDoesNotAllow() {
        for (String name : new String[] {"", ".", "..", "ovt/x", "ovt:x", "ovt x", "ovt\tx"}) {
            IOException e = assertThrows(IOException.class, () -> netns.open(() -> LinuxTun.open(name)), name);
            assertEquals("invalid interface name (no '/', ':' or whitespace, not . or ..): " + name, e.getMessage());
        }
    }

    @Test
    void refusesANameInUse() throws IOException {
        netns.open(() -> LinuxTun.open("ovtbusy"));
        IOException e = assertThrows(IOException.class, () -> netns.open(() -> LinuxTun.open("ovtbusy", Offloads.NONE)));
        assertEquals("cannot create TUN interface ovtbusy: Device or resource busy", e.getMessage());
    }

    @ParameterizedTest
    @EnumSource(Offloads.class)
    void answersAnEchoRequest(Offloads offloads) throws Exception {
        LinuxTun tun = netns.open(() -> LinuxTun.open("ovt%d", offloads));
        Link link = Link.inNetns(netns.name(), tun.name());
        link.addAddress("100.64.7.1/24");
        link.setUp();
        byte[] payload = "overlayd tun round trip".getBytes(StandardCharsets.US_ASCII);
        byte[] request = IcmpEcho.request("100.64.7.2", "100.64.7.1", 0x4f56, 1, payload).encode();

        tun.write(request, 0, request.length);

        // The kernel may send its own packets first (IPv6 router solicitations, MLD reports).
        for (int reads = 0; reads < 20; reads++) {
            int n = BlockedReader.start(tun, batch).result();
            for (int i = 0; i < n; i++) {
                byte[] buf = packet(i);
                if (IcmpEcho.isReply(buf, buf.length)) {
                    assertArrayEquals(IcmpEcho.ip("100.64.7.1").getAddress(), Arrays.copyOfRange(buf, 12, 16));
                    assertArrayEquals(IcmpEcho.ip("100.64.7.2").getAddress(), Arrays.copyOfRange(buf, 16, 20));
                    assertEquals(0x4f56, IcmpEcho.getShort(buf, 24));
                    assertEquals(1, IcmpEcho.getShort(buf, 26));
                    assertArrayEquals(payload, Arrays.copyOfRange(buf, 28, buf.length));
                    return;
                }
            }
        }
        fail("no echo reply among the first 20 reads from the kernel");
    }

    @ParameterizedTest
    @EnumSource(Offloads.class)
    void writesABatch(Offloads offloads) throws Exception {
        LinuxTun tun = netns.open(() -> LinuxTun.open("ovt%d", offloads));
        Link link = Link.inNetns(netns.name(), tun.name());
        link.addAddress("100.64.7.1/24");
        link.setUp();
        for (int sequence = 1; sequence <= 3; sequence++) {
            byte[] request = IcmpEcho.request("100.64.7.2", "100.64.7.1", 7, sequence, new byte[16]).encode();
            batch.add(request, 0, request.length);
        }

        assertEquals(0, tun.write(batch));

        int replies = 0;
        for (int reads = 0; reads < 30 && replies < 3; reads++) {
            int n = BlockedReader.start(tun, batch).result();
            for (int i = 0; i < n; i++) {
                byte[] buf = packet(i);
                if (IcmpEcho.isReply(buf, buf.length)) {
                    assertEquals(++replies, IcmpEcho.getShort(buf, 26));
                }
            }
        }
        assertEquals(3, replies);
    }

    @ParameterizedTest
    @EnumSource(Offloads.class)
    void dropsAndCountsAPacketLongerThanTheSlots(Offloads offloads) throws Exception {
        LinuxTun tun = netns.open(() -> LinuxTun.open("ovt%d", offloads));
        Link link = Link.inNetns(netns.name(), tun.name());
        link.addAddress("100.64.7.1/24");
        link.setUp();
        byte[] request = IcmpEcho.request("100.64.7.2", "100.64.7.1", 1, 1, new byte[100]).encode();
        tun.write(request, 0, request.length);

        BlockedReader reader = BlockedReader.start(tun, new PacketBatch(4, 0, 30, 0));
        long deadline = System.nanoTime() + BlockedReader.GENEROUS.toNanos();
        while (tun.counters().drops(TunDrop.TOO_BIG) == 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        tun.close();

        assertEquals(-1, reader.result(), "a too long packet was returned, not dropped");
        assertTrue(tun.counters().drops(TunDrop.TOO_BIG) >= 1);
    }

    @ParameterizedTest
    @EnumSource(Offloads.class)
    void countsWhatTheKernelRefusesToTakeAndWritesTheRest(Offloads offloads) throws Exception {
        LinuxTun tun = netns.open(() -> LinuxTun.open("ovt%d", offloads));
        Link link = Link.inNetns(netns.name(), tun.name());
        link.addAddress("100.64.7.1/24");
        link.setUp();
        byte[] request = IcmpEcho.request("100.64.7.2", "100.64.7.1", 9, 1, new byte[8]).encode();
        batch.add(new byte[40], 0, 40);
        batch.add(request, 0, request.length);

        assertEquals(1, tun.write(batch));

        assertEquals(1, tun.counters().drops(TunDrop.WRITE_REFUSED));
        for (int reads = 0; reads < 20; reads++) {
            int n = BlockedReader.start(tun, batch).result();
            for (int i = 0; i < n; i++) {
                if (IcmpEcho.isReply(packet(i), batch.length(i))) {
                    return;
                }
            }
        }
        fail("the packet behind the refused one got no reply");
    }

    @ParameterizedTest
    @EnumSource(Offloads.class)
    void refusesAPacketLongerThanATunTakes(Offloads offloads) throws IOException {
        LinuxTun tun = netns.open(() -> LinuxTun.open("ovt%d", offloads));
        PacketBatch large = new PacketBatch(1, 0, LinuxTun.MAX_PACKET + 1, 0);
        large.add(LinuxTun.MAX_PACKET + 1);

        assertEquals(1, tun.write(large));
        assertEquals(1, tun.counters().drops(TunDrop.WRITE_REFUSED));
    }

    @ParameterizedTest
    @EnumSource(Offloads.class)
    void refusesToWriteSomethingThatIsNotIp(Offloads offloads) throws IOException {
        LinuxTun tun = netns.open(() -> LinuxTun.open("ovt%d", offloads));
        byte[] garbage = new byte[40];

        IOException e = assertThrows(IOException.class, () -> tun.write(garbage, 0, garbage.length));
        assertEquals("cannot write to TUN " + tun.name() + ": Invalid argument", e.getMessage());
    }

    @ParameterizedTest
    @EnumSource(Offloads.class)
    void closeWakesABlockedReadAndRemovesTheInterface(Offloads offloads) throws Exception {
        LinuxTun tun = netns.open(() -> LinuxTun.open("ovt%d", offloads));
        BlockedReader reader = BlockedReader.start(tun, batch);
        reader.awaitInKernelPoll();

        tun.close();

        assertEquals(-1, reader.result());
        assertFalse(Link.inNetns(netns.name(), tun.name()).exists(), "the interface outlived close()");
        assertEquals(-1, tun.read(batch));
        assertThrows(IOException.class, () -> tun.write(new byte[20], 0, 20));
        assertThrows(IOException.class, () -> tun.write(batch));
        tun.close();
    }

    @ParameterizedTest
    @EnumSource(Offloads.class)
    void deletingTheInterfaceEndsABlockedRead(Offloads offloads) throws Exception {
        LinuxTun tun = netns.open(() -> LinuxTun.open("ovt%d", offloads));
        BlockedReader reader = BlockedReader.start(tun, batch);
        reader.awaitInKernelPoll();

        netns.ip("link", "del", "dev", tun.name());

        assertEquals(-1, reader.result());
        assertEquals(-1, tun.read(batch), "a read after the deletion");
        byte[] request = IcmpEcho.request("100.64.7.2", "100.64.7.1", 1, 1, new byte[8]).encode();
        IOException e = assertThrows(IOException.class, () -> tun.write(request, 0, request.length));
        assertEquals("cannot write to TUN " + tun.name() + ": File descriptor in bad state", e.getMessage());
        batch.add(request, 0, request.length);
        assertThrows(IOException.class, () -> tun.write(batch));
        tun.close();
    }

    @ParameterizedTest
    @EnumSource(Offloads.class)
    void answersSeveralEchoRequestsInTurn(Offloads offloads) throws Exception {
        LinuxTun tun = netns.open(() -> LinuxTun.open("ovt%d", offloads));
        Link link = Link.inNetns(netns.name(), tun.name());
        link.addAddress("100.64.7.1/24");
        link.setUp();
        for (int sequence = 1; sequence <= 3; sequence++) {
            byte[] request = IcmpEcho.request("100.64.7.2", "100.64.7.1", 7, sequence, new byte[16]).encode();
            tun.write(request, 0, request.length);
            int reply = -1;
            while (reply < 0) {
                int n = BlockedReader.start(tun, batch).result();
                assertTrue(n > 0, "read returned " + n);
                for (int i = 0; i < n; i++) {
                    if (IcmpEcho.isReply(packet(i), batch.length(i))) {
                        reply = IcmpEcho.getShort(packet(i), 26);
                    }
                }
            }
            assertEquals(sequence, reply);
        }
    }

    private byte[] packet(int i) {
        return Arrays.copyOfRange(batch.buffer(i), batch.headroom(), batch.headroom() + batch.length(i));
    }
}
