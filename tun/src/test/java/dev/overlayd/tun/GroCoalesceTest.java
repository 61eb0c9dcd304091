package dev.overlayd.tun;

import static dev.overlayd.tun.TcpPackets.ACK;
import static dev.overlayd.tun.TcpPackets.FIN;
import static dev.overlayd.tun.TcpPackets.PSH;
import static dev.overlayd.tun.TcpPackets.SYN;
import static dev.overlayd.tun.TcpPackets.getShort;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import dev.overlayd.testing.IcmpEcho;

class GroCoalesceTest {
    private final GroCoalesce coalesce = new GroCoalesce();
    /** Slots for the largest packet a TUN passes, as the device's are. */
    private final PacketBatch batch = new PacketBatch(64, 16, GroCoalesce.MAX_PACKET, 31);

    /** One packet as emitted: its virtio header and its bytes. */
    private record Out(VirtioNetHeader header, byte[] packet) {
        boolean plain() {
            return header.flags == 0 && header.gsoType == 0 && header.hdrLen == 0 && header.gsoSize == 0
                    && header.csumStart == 0 && header.csumOffset == 0;
        }
    }

    @Test
    void mergesConsecutiveIpv4SegmentsIntoOneSuperPacket() {
        TcpPackets.Spec[] segments = TcpPackets.segments(TcpPackets.Spec.v4(), 44, 1448, 1);
        segments[43].flags = ACK | PSH;

        List<Out> out = coalesce(segments);

        assertEquals(1, out.size());
        assertSuperPacket(out.get(0), segments, VirtioNetHeader.GSO_TCPV4, 20);
        assertEquals(44, coalesce.groupSize(0));
    }

    @Test
    void mergesConsecutiveIpv6SegmentsIntoOneSuperPacket() {
        TcpPackets.Spec[] segments = TcpPackets.segments(TcpPackets.Spec.v6(), 30, 1428, 2);

        List<Out> out = coalesce(segments);

        assertEquals(1, out.size());
        assertSuperPacket(out.get(0), segments, VirtioNetHeader.GSO_TCPV6, 40);
    }

    @Test
    void splittingWhatWasCoalescedGivesBackTheSameSegments() {
        for (TcpPackets.Spec first : new TcpPackets.Spec[] {TcpPackets.Spec.v4(), TcpPackets.Spec.v6()}) {
            TcpPackets.Spec[] segments = TcpPackets.segments(first, 40, 1200, 3);
            segments[39].payload = Arrays.copyOf(segments[39].payload, 555);
            segments[39].flags = ACK | PSH;
            List<Out> out = coalesce(segments);
            assertEquals(1, out.size());
            ByteBuffer written = ByteBuffer.allocate(GroCoalesce.maxEmitted());
            int len = coalesce.emit(0, batch, written, 0);

            VirtioNetHeader header = new VirtioNetHeader();
            header.decode(written, 0);
            GsoSplit split = new GsoSplit();
            PacketBatch back = new PacketBatch(64, 0, 1500, 0);
            assertEquals(null, split.start(header, written, VirtioNetHeader.LENGTH, len - VirtioNetHeader.LENGTH));
            split.fill(back);

            assertEquals(segments.length, back.size());
            for (int i = 0; i < segments.length; i++) {
                byte[] expected = segments[i].build();
                assertArrayEquals(expected, Arrays.copyOf(back.buffer(i), back.length(i)), "segment " + i);
            }
        }
    }

    @Test
    void neverGrowsPastTheLargestPacket() {
        TcpPackets.Spec[] segments = TcpPackets.segments(TcpPackets.Spec.v4(), 50, 1448, 4);

        List<Out> out = coalesce(segments);

        assertEquals(2, out.size());
        assertEquals(45, coalesce.groupSize(0), "20 + 32 + 45 * 1448 = 65212, one more would pass 65535");
        assertEquals(5, coalesce.groupSize(1));
        assertSuperPacket(out.get(1), Arrays.copyOfRange(segments, 45, 50), VirtioNetHeader.GSO_TCPV4, 20);
    }

    @Test
    void mergesLargeSegmentsOnlyAsFarAs64KiB() {
        // MTU 9001 (EC2's jumbo frames): seven segments fit one super-packet; at 34736 not even two do.
        TcpPackets.Spec[] jumbo = TcpPackets.segments(TcpPackets.Spec.v4(), 10, 9001 - 52, 5);
        List<Out> out = coalesce(jumbo);
        assertEquals(2, out.size());
        assertEquals(7, coalesce.groupSize(0), "52 + 7 * 8949 = 62695, one more would pass 65535");
        assertSuperPacket(out.get(0), Arrays.copyOfRange(jumbo, 0, 7), VirtioNetHeader.GSO_TCPV4, 20);
        assertSuperPacket(out.get(1), Arrays.copyOfRange(jumbo, 7, 10), VirtioNetHeader.GSO_TCPV4, 20);

        TcpPackets.Spec[] large = TcpPackets.segments(TcpPackets.Spec.v4(), 3, 34736 - 52, 6);
        assertPlain(coalesce(large), large);
        TcpPackets.Spec[] largest = TcpPackets.segments(TcpPackets.Spec.v6(), 2, 65472 - 72, 7);
        assertPlain(coalesce(largest), largest);
    }

    @Test
    void splittingLargeSegmentsThatWereCoalescedGivesBackTheSameSegments() {
        TcpPackets.Spec[] segments = TcpPackets.segments(TcpPackets.Spec.v6(), 4, 16000, 8);
        assertEquals(1, coalesce(segments).size());
        ByteBuffer written = ByteBuffer.allocate(GroCoalesce.maxEmitted());
        int len = coalesce.emit(0, batch, written, 0);

        VirtioNetHeader header = new VirtioNetHeader();
        header.decode(written, 0);
        GsoSplit split = new GsoSplit();
        PacketBatch back = new PacketBatch(64, 0, GroCoalesce.MAX_PACKET, 0);
        assertEquals(null, split.start(header, written, VirtioNetHeader.LENGTH, len - VirtioNetHeader.LENGTH));
        split.fill(back);

        assertEquals(segments.length, back.size());
        for (int i = 0; i < segments.length; i++) {
            assertArrayEquals(segments[i].build(), Arrays.copyOf(back.buffer(i), back.length(i)), "segment " + i);
        }
    }

    @Test
    void keepsOutOfOrderSegmentsApartAndInOrder() {
        TcpPackets.Spec[] s = TcpPackets.segments(TcpPackets.Spec.v4(), 3, 1000, 5);

        List<Out> out = coalesce(s[0], s[2], s[1]);

        assertPlain(out, s[0], s[2], s[1]);
    }

    @Test
    void mergesEachFlowOnItsOwn() {
        TcpPackets.Spec b = TcpPackets.Spec.v4();
        b.sourcePort = 40001;
        TcpPackets.Spec[] a = TcpPackets.segments(TcpPackets.Spec.v4(), 3, 1000, 6);
        TcpPackets.Spec[] bs = TcpPackets.segments(b, 3, 1000, 7);

        List<Out> out = coalesce(a[0], bs[0], a[1], bs[1], a[2], bs[2]);

        assertEquals(2, out.size());
        assertSuperPacket(out.get(0), a, VirtioNetHeader.GSO_TCPV4, 20);
        assertSuperPacket(out.get(1), bs, VirtioNetHeader.GSO_TCPV4, 20);
    }

    @Test
    void letsNothingFollowAPsh() {
        TcpPackets.Spec[] s = TcpPackets.segments(TcpPackets.Spec.v4(), 4, 1000, 8);
        s[1].flags = ACK | PSH;

        List<Out> out = coalesce(s);

        assertEquals(2, out.size());
        assertSuperPacket(out.get(0), Arrays.copyOfRange(s, 0, 2), VirtioNetHeader.GSO_TCPV4, 20);
        assertSuperPacket(out.get(1), Arrays.copyOfRange(s, 2, 4), VirtioNetHeader.GSO_TCPV4, 20);
        assertEquals(PSH, out.get(0).packet()[20 + 13] & PSH, "the PSH of the last segment is the super-packet's");
    }

    @Test
    void letsNothingFollowAShortSegment() {
        TcpPackets.Spec[] s = TcpPackets.segments(TcpPackets.Spec.v4(), 4, 1000, 9);
        s[2].payload = new byte[500];
        s[3].seq = s[2].seq + 500;

        List<Out> out = coalesce(s);

        assertEquals(2, out.size());
        assertSuperPacket(out.get(0), Arrays.copyOfRange(s, 0, 3), VirtioNetHeader.GSO_TCPV4, 20);
        assertPlain(out.subList(1, 2), s[3]);
    }

    @Test
    void letsNoLongerSegmentFollow() {
        TcpPackets.Spec[] s = TcpPackets.segments(TcpPackets.Spec.v4(), 2, 1000, 10);
        s[1].payload = new byte[1001];

        assertPlain(coalesce(s), s);
    }

    @Test
    void neverMergesASegmentWithABadChecksum() {
        TcpPackets.Spec[] s = TcpPackets.segments(TcpPackets.Spec.v4(), 3, 1000, 11);
        byte[][] packets = Arrays.stream(s).map(TcpPackets.Spec::build).toArray(byte[][]::new);
        packets[1][20 + 32 + 10] ^= 1;

        List<Out> out = coalescePackets(packets);

        assertEquals(3, out.size());
        for (int i = 0; i < 3; i++) {
            assertTrue(out.get(i).plain());
            assertArrayEquals(packets[i], out.get(i).packet());
        }
    }

    @Test
    void checksTheFirstSegmentBeforeAnythingJoinsIt() {
        TcpPackets.Spec[] s = TcpPackets.segments(TcpPackets.Spec.v6(), 3, 1000, 12);
        byte[][] packets = Arrays.stream(s).map(TcpPackets.Spec::build).toArray(byte[][]::new);
        packets[0][40 + 32 + 999] ^= 0x40;

        List<Out> out = coalescePackets(packets);

        assertEquals(2, out.size());
        assertTrue(out.get(0).plain());
        assertArrayEquals(packets[0], out.get(0).packet());
        assertSuperPacket(out.get(1), Arrays.copyOfRange(s, 1, 3), VirtioNetHeader.GSO_TCPV6, 40);
    }

    @Test
    void checksTheFirstIpv4HeaderBeforeAnythingJoinsIt() {
        TcpPackets.Spec[] s = TcpPackets.segments(TcpPackets.Spec.v4(), 2, 1000, 13);
        byte[][] packets = Arrays.stream(s).map(TcpPackets.Spec::build).toArray(byte[][]::new);
        packets[0][10] ^= 1;

        assertEquals(2, coalescePackets(packets).size());
    }

    @Test
    void mergesOnlySegmentsWithTheSameOptions() {
        TcpPackets.Spec[] s = TcpPackets.segments(TcpPackets.Spec.v4(), 2, 1000, 14);
        s[1].options = s[1].options.clone();
        s[1].options[7] ^= 1;

        assertPlain(coalesce(s), s);
    }

    @Test
    void mergesOnlySegmentsWithTheSameAck() {
        TcpPackets.Spec[] s = TcpPackets.segments(TcpPackets.Spec.v4(), 2, 1000, 15);
        s[1].ack += 1;

        assertPlain(coalesce(s), s);
    }

    @Test
    void mergesOnlySegmentsWithTheSameIpFields() {
        TcpPackets.Spec[] ttl = TcpPackets.segments(TcpPackets.Spec.v4(), 2, 1000, 16);
        ttl[1].ttl = 63;
        assertPlain(coalesce(ttl), ttl);
        TcpPackets.Spec[] tos = TcpPackets.segments(TcpPackets.Spec.v4(), 2, 1000, 17);
        tos[1].tos = 0x10;
        assertPlain(coalesce(tos), tos);
        TcpPackets.Spec[] hopLimit = TcpPackets.segments(TcpPackets.Spec.v6(), 2, 1000, 18);
        hopLimit[1].ttl = 1;
        assertPlain(coalesce(hopLimit), hopLimit);
    }

    @Test
    void mergesOnlyAckAndAckPsh() {
        for (int flags : new int[] {ACK | FIN, ACK | SYN, ACK | 0x04, ACK | 0x20, 0}) {
            TcpPackets.Spec[] s = TcpPackets.segments(TcpPackets.Spec.v4(), 2, 1000, 19);
            s[0].flags = flags;
            assertPlain(coalesce(s), s);
            s[0].flags = ACK;
            s[1].flags = flags;
            assertPlain(coalesce(s), s);
        }
    }

    @Test
    void keepsAConnectionsPacketsInOrderAroundOnesThatCannotMerge() {
        TcpPackets.Spec[] s = TcpPackets.segments(TcpPackets.Spec.v4(), 3, 1000, 20);
        TcpPackets.Spec pureAck = s[1].copy();
        pureAck.payload = new byte[0];

        List<Out> out = coalesce(s[0], s[1], pureAck, s[2]);

        assertEquals(3, out.size());
        assertSuperPacket(out.get(0), Arrays.copyOfRange(s, 0, 2), VirtioNetHeader.GSO_TCPV4, 20);
        assertPlain(out.subList(1, 3), pureAck, s[2]);
    }

    @Test
    void passesOtherPacketsThroughInPlace() {
        TcpPackets.Spec[] s = TcpPackets.segments(TcpPackets.Spec.v4(), 2, 1000, 21);
        TcpPackets.Spec withIpOptions = TcpPackets.segments(TcpPackets.Spec.v4(), 1, 1000, 22)[0];
        withIpOptions.sourcePort = 1;
        withIpOptions.ipOptionWords = 1;
        byte[] udp = IcmpEcho.request("100.64.0.1", "100.64.0.2", 1, 1, new byte[30]).encode();
        udp[9] = 17;
        byte[] ping = IcmpEcho.request("100.64.0.1", "100.64.0.2", 1, 1, new byte[30]).encode();
        byte[] garbage = {0x45, 0, 0};

        List<Out> out = coalescePackets(ping, s[0].build(), udp, withIpOptions.build(), s[1].build(), garbage);

        assertEquals(5, out.size());
        assertArrayEquals(ping, out.get(0).packet());
        assertSuperPacket(out.get(1), s, VirtioNetHeader.GSO_TCPV4, 20);
        assertArrayEquals(udp, out.get(2).packet());
        assertArrayEquals(withIpOptions.build(), out.get(3).packet());
        assertArrayEquals(garbage, out.get(4).packet());
        for (int i : new int[] {0, 2, 3, 4}) {
            assertTrue(out.get(i).plain());
        }
    }

    @Test
    void isReusedFromBatchToBatch() {
        TcpPackets.Spec[] s = TcpPackets.segments(TcpPackets.Spec.v4(), 4, 1000, 23);

        assertEquals(1, coalesce(s).size());
        assertPlain(coalesce(s[3], s[2]), s[3], s[2]);
        assertEquals(1, coalesce(s).size());
    }

    private List<Out> coalesce(TcpPackets.Spec... specs) {
        return coalescePackets(Arrays.stream(specs).map(TcpPackets.Spec::build).toArray(byte[][]::new));
    }

    private List<Out> coalescePackets(byte[]... packets) {
        batch.clear();
        for (byte[] p : packets) {
            batch.add(p, 0, p.length);
        }
        coalesce.plan(batch);
        List<Out> out = new ArrayList<>();
        ByteBuffer dst = ByteBuffer.allocate(GroCoalesce.maxEmitted() + 7);
        for (int g = 0; g < coalesce.groups(); g++) {
            int len = coalesce.emit(g, batch, dst, 7);
            VirtioNetHeader header = new VirtioNetHeader();
            header.decode(dst, 7);
            byte[] packet = new byte[len - VirtioNetHeader.LENGTH];
            dst.get(7 + VirtioNetHeader.LENGTH, packet);
            out.add(new Out(header, packet));
        }
        return out;
    }

    private static void assertPlain(List<Out> out, TcpPackets.Spec... specs) {
        assertEquals(specs.length, out.size());
        for (int i = 0; i < specs.length; i++) {
            assertTrue(out.get(i).plain(), "header of " + i);
            assertArrayEquals(specs[i].build(), out.get(i).packet(), "packet " + i);
        }
    }

    /** The super-packet by the tests' own reading: header fields, lengths, partial checksum, payload. */
    private static void assertSuperPacket(Out out, TcpPackets.Spec[] segments, int gsoType, int ipLength) {
        VirtioNetHeader h = out.header();
        byte[] p = out.packet();
        int headers = ipLength + segments[0].tcpLength();
        byte[] payload = TcpPackets.concatPayloads(segments);
        assertEquals(VirtioNetHeader.F_NEEDS_CSUM, h.flags);
        assertEquals(gsoType, h.gsoType);
        assertEquals(headers, h.hdrLen);
        assertEquals(segments[0].payload.length, h.gsoSize);
        assertEquals(ipLength, h.csumStart);
        assertEquals(16, h.csumOffset);
        assertEquals(headers + payload.length, p.length);
        if (gsoType == VirtioNetHeader.GSO_TCPV4) {
            assertEquals(p.length, getShort(p, 2));
            assertEquals(0, TcpPackets.checksum(p, 0, 20, 0), "IPv4 header checksum");
            assertEquals(segments[0].id, getShort(p, 4));
        } else {
            assertEquals(p.length - 40, getShort(p, 4));
        }
        assertEquals(segments[0].seq, TcpPackets.getInt(p, ipLength + 4));
        assertEquals(segments[segments.length - 1].flags, p[ipLength + 13] & 0xff);
        assertEquals(TcpPackets.fold(TcpPackets.pseudoHeader(p, 0, p.length - ipLength)), getShort(p, ipLength + 16),
                "the partial checksum: folded pseudo-header sum");
        assertArrayEquals(segments[0].options, Arrays.copyOfRange(p, ipLength + 20, headers));
        assertArrayEquals(payload, Arrays.copyOfRange(p, headers, p.length));
    }
}
