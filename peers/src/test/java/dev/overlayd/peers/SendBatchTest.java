package dev.overlayd.peers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.unix.SegmentedDatagramPacket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Gathering datagrams into UDP GSO batches, at every datagram size a tunnel MTU makes. */
class SendBatchTest {
    private static final InetSocketAddress PEER = new InetSocketAddress("198.18.0.2", 51820);
    private static final InetSocketAddress OTHER = new InetSocketAddress("198.18.0.3", 51820);
    private static final int ANY = Integer.MAX_VALUE;
    /** What a full-sized packet at overlayd's largest MTU becomes: one IPv4 UDP datagram at most. */
    private static final int LARGEST = Device.MAX_MTU + 32;

    private final SendBatch batch = new SendBatch(UnpooledByteBufAllocator.DEFAULT);
    private final List<DatagramPacket> taken = new ArrayList<>();

    @AfterEach
    void release() {
        taken.forEach(DatagramPacket::release);
    }

    @Test
    void gathersEqualDatagramsForOneDestination() {
        for (int i = 0; i < 44; i++) {
            assertTrue(batch.add(datagram(1452, i), 0, 1452, PEER, ANY));
        }
        assertTrue(batch.add(datagram(100, 44), 0, 100, PEER, ANY), "a shorter one may end the batch");
        assertFalse(batch.add(datagram(100, 45), 0, 100, PEER, ANY), "but nothing may follow it");

        DatagramPacket packet = take();
        assertTrue(packet instanceof SegmentedDatagramPacket);
        assertEquals(1452, ((SegmentedDatagramPacket) packet).segmentSize());
        assertEquals(44 * 1452 + 100, packet.content().readableBytes());
    }

    @Test
    void neverGathersPast65000BytesOrAnotherDestination() {
        assertTrue(batch.add(datagram(9033, 0), 0, 9033, PEER, ANY));
        for (int i = 1; i < 7; i++) {
            assertTrue(batch.add(datagram(9033, i), 0, 9033, PEER, ANY));
        }
        assertFalse(batch.add(datagram(9033, 7), 0, 9033, PEER, ANY), "7 * 9033 = 63231; one more passes 65000");
        assertEquals(7, batch.segments());
        take();
        assertTrue(batch.add(datagram(1452, 0), 0, 1452, PEER, ANY));
        assertFalse(batch.add(datagram(1452, 1), 0, 1452, OTHER, ANY));
    }

    @Test
    void takesADatagramLongerThanHalfABatchOnItsOwn() {
        // These failed to allocate before: the room for four such datagrams passed the batch's 65000 bytes.
        for (int i = 0; i < 3; i++) {
            assertTrue(batch.add(datagram(16251, i), 0, 16251, PEER, ANY));
        }
        assertFalse(batch.add(datagram(16251, 3), 0, 16251, PEER, ANY));
        take();
        for (int len : new int[] {34768, 65000, LARGEST}) {
            assertTrue(batch.add(datagram(len, 1), 0, len, PEER, ANY), "a first datagram of " + len);
            assertFalse(batch.add(datagram(len, 2), 0, len, PEER, ANY), "no second of " + len);
            DatagramPacket packet = take();
            assertFalse(packet instanceof SegmentedDatagramPacket, "one datagram of " + len + " goes as it is");
            assertEquals(len, packet.content().readableBytes());
            assertEquals(1, packet.content().getByte(0));
        }
    }

    @Test
    void neverGathersDatagramsLongerThanTheKernelWouldSegment() {
        assertTrue(batch.add(datagram(9033, 0), 0, 9033, PEER, 9032));
        assertFalse(batch.add(datagram(9033, 1), 0, 9033, PEER, 9032));
        take();
        assertTrue(batch.add(datagram(1452, 0), 0, 1452, PEER, 9032));
        assertTrue(batch.add(datagram(1452, 1), 0, 1452, PEER, 9032));
    }

    @Test
    void takesABatchApartIntoItsDatagrams() {
        for (int i = 0; i < 3; i++) {
            batch.add(datagram(9033, i), 0, 9033, PEER, ANY);
        }
        batch.add(datagram(500, 3), 0, 500, PEER, ANY);

        batch.takeApart(taken::add);

        assertTrue(batch.isEmpty());
        assertEquals(4, taken.size());
        for (int i = 0; i < 4; i++) {
            DatagramPacket d = taken.get(i);
            assertEquals(i == 3 ? 500 : 9033, d.content().readableBytes());
            assertEquals(i, d.content().getByte(0), "in order");
            assertEquals(PEER, d.recipient());
        }
    }

    private DatagramPacket take() {
        DatagramPacket packet = batch.take();
        taken.add(packet);
        return packet;
    }

    /** A datagram of {@code len} bytes whose first byte tells it apart. */
    private static byte[] datagram(int len, int mark) {
        byte[] d = new byte[len];
        d[0] = (byte) mark;
        return d;
    }
}
