package dev.overlayd.tun;

import static dev.overlayd.tun.TcpPackets.ACK;
import static dev.overlayd.tun.TcpPackets.CWR;
import static dev.overlayd.tun.TcpPackets.FIN;
import static dev.overlayd.tun.TcpPackets.PSH;
import static dev.overlayd.tun.TcpPackets.getInt;
import static dev.overlayd.tun.TcpPackets.getShort;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class GsoSplitTest {
    private final GsoSplit split = new GsoSplit();
    private final VirtioNetHeader header = new VirtioNetHeader();
    /** Slots for the largest packet a TUN passes, as the device's are. */
    private final PacketBatch batch = new PacketBatch(64, 16, LinuxTun.MAX_PACKET, 31);

    @Test
    void splitsAnIpv4SuperPacketIntoValidSegments() {
        TcpPackets.Spec spec = bigSpec(TcpPackets.Spec.v4(), 44 * 1448 + 700, ACK | PSH);
        ByteBuffer superPacket = TcpPackets.superPacket(spec, 1448, false);

        int n = splitAll(superPacket);

        assertEquals(45, n);
        assertSegments(spec, 1448, n);
    }

    @Test
    void splitsAnIpv6SuperPacketIntoValidSegments() {
        TcpPackets.Spec spec = bigSpec(TcpPackets.Spec.v6(), 65000, ACK | PSH | FIN);
        ByteBuffer superPacket = TcpPackets.superPacket(spec, 1428, false);

        int n = splitAll(superPacket);

        assertEquals(46, n);
        assertSegments(spec, 1428, n);
    }

    @Test
    void splitsASuperPacketAtALargeMtu() {
        // MTU 34736 (wireguard-go's netns.sh): an MSS that leaves room for one whole segment and a rest in 64 KiB.
        TcpPackets.Spec spec = bigSpec(TcpPackets.Spec.v4(), 65535 - 52, ACK | PSH);
        ByteBuffer superPacket = TcpPackets.superPacket(spec, 34736 - 52, false);

        int n = splitAll(superPacket);

        assertEquals(2, n);
        assertEquals(34736, batch.length(0));
        assertSegments(spec, 34736 - 52, n);
    }

    @Test
    void splitsAnIpv6SuperPacketAtTheLargestMtu() {
        // An IPv6 super-packet's payload length may reach 65535 behind its 40-byte header: past an IPv4 total length.
        TcpPackets.Spec spec = bigSpec(TcpPackets.Spec.v6(), 65535 - 32, ACK);
        ByteBuffer superPacket = TcpPackets.superPacket(spec, 65472 - 72, false);

        int n = splitAll(superPacket);

        assertEquals(2, n);
        assertEquals(65472, batch.length(0));
        assertSegments(spec, 65472 - 72, n);
    }

    @Test
    void copiesAPacketOfTheLargestMtuAsItIs() {
        TcpPackets.Spec spec = bigSpec(TcpPackets.Spec.v4(), 65535 - 52, ACK);
        byte[] packet = spec.build();
        ByteBuffer plain = ByteBuffer.allocate(VirtioNetHeader.LENGTH + packet.length);
        plain.put(VirtioNetHeader.LENGTH, packet);

        assertEquals(1, splitAll(plain));
        assertArrayEquals(packet, Arrays.copyOfRange(batch.buffer(0), batch.headroom(), batch.headroom() + batch.length(0)));
    }

    @Test
    void keepsCwrOnTheFirstSegmentOnlyUnderEcn() {
        TcpPackets.Spec spec = bigSpec(TcpPackets.Spec.v4(), 3000, ACK | CWR);

        splitAll(TcpPackets.superPacket(spec, 1000, true));

        assertEquals(ACK | CWR, flags(0, 20));
        assertEquals(ACK, flags(1, 20));
        assertEquals(ACK, flags(2, 20));
        assertTrue(TcpPackets.checksumsValid(batch.buffer(1), batch.headroom(), batch.length(1)));
    }

    @Test
    void goesOnWhereItStoppedWhenTheBatchIsFull() {
        TcpPackets.Spec spec = bigSpec(TcpPackets.Spec.v4(), 10 * 1000, ACK | PSH);
        ByteBuffer superPacket = TcpPackets.superPacket(spec, 1000, false);
        PacketBatch small = new PacketBatch(4, 16, 1500, 31);
        start(superPacket);
        ByteArrayOutputStream payload = new ByteArrayOutputStream();

        int[] sizes = new int[3];
        for (int call = 0; call < 3; call++) {
            small.clear();
            split.fill(small);
            sizes[call] = small.size();
            for (int i = 0; i < small.size(); i++) {
                assertTrue(TcpPackets.checksumsValid(small.buffer(i), 16, small.length(i)));
                payload.write(small.buffer(i), 16 + 52, small.length(i) - 52);
            }
        }

        assertArrayEquals(new int[] {4, 4, 2}, sizes);
        assertFalse(split.hasMore());
        assertArrayEquals(spec.payload, payload.toByteArray());
    }

    @Test
    void completesAPartialChecksumOfAPlainPacket() {
        byte[] udp = udpPacket();
        int expected = getShort(udp, 20 + 6);
        // As the kernel leaves it: the folded pseudo-header sum where the checksum goes.
        long pseudo = 17 + 8 + 100 + getShort(udp, 12) + getShort(udp, 14) + getShort(udp, 16) + getShort(udp, 18);
        TcpPackets.putShort(udp, 20 + 6, (int) TcpPackets.fold(pseudo));
        ByteBuffer b = ByteBuffer.allocate(VirtioNetHeader.LENGTH + udp.length);
        b.put(VirtioNetHeader.LENGTH, udp);
        header.flags = VirtioNetHeader.F_NEEDS_CSUM;
        header.csumStart = 20;
        header.csumOffset = 6;
        header.encode(b, 0);

        assertEquals(1, splitAll(b));

        assertEquals(udp.length, batch.length(0));
        assertEquals(expected, getShort(batch.buffer(0), 16 + 20 + 6));
    }

    @Test
    void copiesAPlainPacketAsItIs() {
        byte[] udp = udpPacket();
        ByteBuffer b = ByteBuffer.allocate(VirtioNetHeader.LENGTH + udp.length);
        b.put(VirtioNetHeader.LENGTH, udp);

        assertEquals(1, splitAll(b));

        assertArrayEquals(udp, Arrays.copyOfRange(batch.buffer(0), 16, 16 + batch.length(0)));
    }

    @Test
    void dropsWhatContradictsItself() {
        TcpPackets.Spec v4 = bigSpec(TcpPackets.Spec.v4(), 5000, ACK);
        TcpPackets.Spec v6 = bigSpec(TcpPackets.Spec.v6(), 5000, ACK);

        assertEquals(TunDrop.MALFORMED_GSO, startWith(TcpPackets.superPacket(v4, 1000, false), 4), "TCPV6 on IPv4");
        assertEquals(TunDrop.MALFORMED_GSO, startWith(TcpPackets.superPacket(v6, 1000, false), 1), "TCPV4 on IPv6");
        ByteBuffer zeroGso = TcpPackets.superPacket(v4, 1000, false);
        zeroGso.putShort(4, (short) 0);
        assertEquals(TunDrop.MALFORMED_GSO, start(zeroGso), "gso_size 0");
        ByteBuffer wrongStart = TcpPackets.superPacket(v4, 1000, false);
        wrongStart.order(ByteOrder.nativeOrder()).putShort(6, (short) 24);
        assertEquals(TunDrop.MALFORMED_GSO, start(wrongStart), "csum_start not the TCP header");
        ByteBuffer headersOnly = TcpPackets.superPacket(v4, 1000, false);
        assertEquals(TunDrop.MALFORMED_GSO, split.start(decode(headersOnly), headersOnly, VirtioNetHeader.LENGTH, 52));
        ByteBuffer shortTcp = TcpPackets.superPacket(v4, 1000, false);
        shortTcp.put(VirtioNetHeader.LENGTH + 20 + 12, (byte) 0x40);
        assertEquals(TunDrop.MALFORMED_GSO, start(shortTcp), "TCP data offset below 5");
        byte[] udp = udpPacket();
        ByteBuffer partial = ByteBuffer.allocate(VirtioNetHeader.LENGTH + udp.length);
        partial.put(VirtioNetHeader.LENGTH, udp);
        header.flags = VirtioNetHeader.F_NEEDS_CSUM;
        header.csumStart = udp.length - 2;
        header.csumOffset = 1;
        header.encode(partial, 0);
        assertEquals(TunDrop.MALFORMED_GSO, start(partial), "checksum field past the end");
        assertFalse(split.hasMore());
    }

    @Test
    void dropsWhatItDidNotAskFor() {
        TcpPackets.Spec v6 = bigSpec(TcpPackets.Spec.v6(), 5000, ACK);
        ByteBuffer udpGso = TcpPackets.superPacket(v6, 1000, false);
        udpGso.put(1, (byte) 5);
        assertEquals(TunDrop.UNSUPPORTED_GSO, start(udpGso));
        ByteBuffer extension = TcpPackets.superPacket(v6, 1000, false);
        extension.put(VirtioNetHeader.LENGTH + 6, (byte) 0);
        assertEquals(TunDrop.UNSUPPORTED_GSO, start(extension));
    }

    @Test
    void tellsTheLongestSegmentSoTheCallerCanCheckItsSlots() {
        TcpPackets.Spec spec = bigSpec(TcpPackets.Spec.v4(), 2500, ACK);

        assertNull(start(TcpPackets.superPacket(spec, 1448, false)));

        assertEquals(52 + 1448, split.maxSegmentLength());
        assertEquals(2, split.segmentCount());
    }

    private static TcpPackets.Spec bigSpec(TcpPackets.Spec spec, int payload, int flags) {
        spec.payload = new byte[payload];
        new Random(payload).nextBytes(spec.payload);
        spec.flags = flags;
        spec.seq = 0xfffff000;
        spec.id = 0xfff0;
        return spec;
    }

    private int splitAll(ByteBuffer superPacket) {
        assertNull(start(superPacket));
        split.fill(batch);
        assertFalse(split.hasMore());
        return batch.size();
    }

    private TunDrop start(ByteBuffer b) {
        batch.clear();
        return split.start(decode(b), b, VirtioNetHeader.LENGTH, b.capacity() - VirtioNetHeader.LENGTH);
    }

    private TunDrop startWith(ByteBuffer b, int gsoType) {
        b.put(1, (byte) gsoType);
        return start(b);
    }

    private VirtioNetHeader decode(ByteBuffer b) {
        header.decode(b, 0);
        return header;
    }

    private int flags(int i, int ipLength) {
        return batch.buffer(i)[batch.headroom() + ipLength + 13] & 0xff;
    }

    /** Every segment against the spec, by the tests' own reading and sums. */
    private void assertSegments(TcpPackets.Spec spec, int gsoSize, int n) {
        int ip = spec.ipLength();
        int headers = ip + spec.tcpLength();
        ByteArrayOutputStream payload = new ByteArrayOutputStream();
        for (int i = 0; i < n; i++) {
            byte[] p = batch.buffer(i);
            int at = batch.headroom();
            int len = batch.length(i);
            int expected = Math.min(gsoSize, spec.payload.length - i * gsoSize);
            assertEquals(headers + expected, len, "length of " + i);
            if (spec.v6) {
                assertEquals(len - 40, getShort(p, at + 4));
            } else {
                assertEquals(len, getShort(p, at + 2));
                assertEquals((spec.id + i) & 0xffff, getShort(p, at + 4), "IPv4 ID of " + i);
            }
            assertEquals(spec.seq + i * gsoSize, getInt(p, at + ip + 4), "sequence number of " + i);
            assertEquals(spec.ack, getInt(p, at + ip + 8));
            int lastFlags = spec.flags;
            assertEquals(i == n - 1 ? lastFlags : lastFlags & ~(PSH | FIN), flags(i, ip), "flags of " + i);
            assertArrayEquals(spec.options, Arrays.copyOfRange(p, at + ip + 20, at + headers));
            assertTrue(TcpPackets.checksumsValid(p, at, len), "checksums of " + i);
            payload.write(p, at + headers, expected);
        }
        assertArrayEquals(spec.payload, payload.toByteArray());
    }

    private static byte[] udpPacket() {
        byte[] p = new byte[20 + 8 + 100];
        p[0] = 0x45;
        TcpPackets.putShort(p, 2, p.length);
        p[8] = 64;
        p[9] = 17;
        System.arraycopy(TcpPackets.address("100.64.0.1"), 0, p, 12, 4);
        System.arraycopy(TcpPackets.address("100.64.0.2"), 0, p, 16, 4);
        TcpPackets.putShort(p, 10, TcpPackets.checksum(p, 0, 20, 0));
        TcpPackets.putShort(p, 20, 5353);
        TcpPackets.putShort(p, 22, 53);
        TcpPackets.putShort(p, 24, 108);
        for (int i = 28; i < p.length; i++) {
            p[i] = (byte) (i * 7);
        }
        long pseudo = 17 + 108 + getShort(p, 12) + getShort(p, 14) + getShort(p, 16) + getShort(p, 18);
        TcpPackets.putShort(p, 26, TcpPackets.checksum(p, 20, 108, pseudo));
        return p;
    }
}
