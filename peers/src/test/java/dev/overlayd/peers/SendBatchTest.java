package dev.overlayd.peers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import jnr.ffi.Pointer;
import org.junit.jupiter.api.Test;

/** Gathering datagrams into UDP GSO batches, at every datagram size a tunnel MTU makes. */
class SendBatchTest {
    private static final Endpoint PEER = new Endpoint(new InetSocketAddress("198.18.0.2", 51820));
    private static final Endpoint OTHER = new Endpoint(new InetSocketAddress("198.18.0.3", 51820));
    private static final int ANY = Integer.MAX_VALUE;
    /** What a full-sized packet at overlayd's largest MTU becomes: one IPv4 UDP datagram at most. */
    private static final int LARGEST = Device.MAX_MTU + 32;

    private final SendBatch batch = new SendBatch();

    @Test
    void gathersEqualDatagramsForOneDestination() {
        for (int i = 0; i < 44; i++) {
            assertTrue(batch.add(datagram(1452, i), 0, 1452, PEER, ANY));
        }
        assertTrue(batch.add(datagram(100, 44), 0, 100, PEER, ANY), "a shorter one may end the batch");
        assertFalse(batch.add(datagram(100, 45), 0, 100, PEER, ANY), "but nothing may follow it");

        assertEquals(45, batch.segments());
        assertEquals(1452, batch.segmentSize());
        assertEquals(44 * 1452 + 100, batch.length());
        assertEquals(43, byteAt(43 * 1452), "in order");
    }

    @Test
    void neverGathersPast65000BytesOrAnotherDestination() {
        for (int i = 0; i < 7; i++) {
            assertTrue(batch.add(datagram(9033, i), 0, 9033, PEER, ANY));
        }
        assertFalse(batch.add(datagram(9033, 7), 0, 9033, PEER, ANY), "7 * 9033 = 63231; one more passes 65000");
        assertEquals(7, batch.segments());
        batch.clear();
        assertTrue(batch.add(datagram(1452, 0), 0, 1452, PEER, ANY));
        assertFalse(batch.add(datagram(1452, 1), 0, 1452, OTHER, ANY));
    }

    @Test
    void takesADatagramLongerThanABatchOnItsOwn() {
        // The longest of these passed the batch's buffer of 65000 bytes before.
        for (int len : new int[] {16251, 34768, 65000, LARGEST}) {
            assertTrue(batch.add(datagram(len, 1), 0, len, PEER, ANY), "a first datagram of " + len);
            if (len > SendBatch.MAX_BYTES / 2) {
                assertFalse(batch.add(datagram(len, 2), 0, len, PEER, ANY), "no second of " + len);
            }
            assertEquals(len, batch.length());
            assertEquals(1, byteAt(0));
            assertEquals(1, byteAt(len - 1), "all of it");
            batch.clear();
        }
    }

    @Test
    void neverGathersDatagramsLongerThanTheKernelWouldSegment() {
        assertTrue(batch.add(datagram(9033, 0), 0, 9033, PEER, 9032));
        assertFalse(batch.add(datagram(9033, 1), 0, 9033, PEER, 9032));
        batch.clear();
        assertTrue(batch.add(datagram(1452, 0), 0, 1452, PEER, 9032));
        assertTrue(batch.add(datagram(1452, 1), 0, 1452, PEER, 9032));
        batch.clear();
        assertTrue(batch.add(datagram(100, 0), 0, 100, PEER, 0));
        assertFalse(batch.add(datagram(100, 1), 0, 100, PEER, 0), "without GSO, one datagram per message");
    }

    private int byteAt(int offset) {
        return Pointer.wrap(jnr.ffi.Runtime.getSystemRuntime(), batch.address()).getByte(offset);
    }

    /** A datagram of {@code len} bytes whose first and last byte tell it apart. */
    private static byte[] datagram(int len, int mark) {
        byte[] d = new byte[len];
        d[0] = (byte) mark;
        d[len - 1] = (byte) mark;
        return d;
    }
}
