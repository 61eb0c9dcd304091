package dev.overlayd.tun;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class MemoryTunTest {
    private final MemoryTun tun = new MemoryTun("mem0", 2);
    private final PacketBatch batch = new PacketBatch(4, 3, 10, 2);

    @Test
    void readsInjectedPacketsInOrderIntoOneBatch() throws IOException {
        tun.inject(new byte[] {1, 2, 3});
        tun.inject(new byte[] {4, 5});

        assertEquals(2, tun.read(batch));
        assertArrayEquals(new byte[] {1, 2, 3}, packet(0));
        assertArrayEquals(new byte[] {4, 5}, packet(1));
    }

    @Test
    void fillsNoMoreThanTheBatchHolds() throws IOException {
        PacketBatch one = new PacketBatch(1, 0, 10, 0);
        tun.inject(new byte[] {1});
        tun.inject(new byte[] {2});

        assertEquals(1, tun.read(one));
        assertEquals(1, one.buffer(0)[0]);
        assertEquals(1, tun.read(one));
        assertEquals(2, one.buffer(0)[0]);
    }

    @Test
    void injectKeepsItsOwnCopy() throws IOException {
        byte[] packet = {1, 2, 3};
        tun.inject(packet);
        packet[0] = 9;

        tun.read(batch);

        assertArrayEquals(new byte[] {1, 2, 3}, packet(0));
    }

    @Test
    void dropsAndCountsAPacketLongerThanTheSlots() throws IOException {
        tun.inject(new byte[11]);
        tun.inject(new byte[] {7});

        assertEquals(1, tun.read(batch));
        assertArrayEquals(new byte[] {7}, packet(0));
        assertEquals(1, tun.counters().drops(TunDrop.TOO_BIG));
    }

    @Test
    void hasWrittenPacketsTaken() throws Exception {
        byte[] buf = {0, 7, 8, 9, 0};
        tun.write(buf, 1, 3);
        buf[1] = 1;

        assertArrayEquals(new byte[] {7, 8, 9}, tun.take());
        assertNull(tun.poll(Duration.ofMillis(10)));
    }

    @Test
    void writesABatchPacketByPacket() throws Exception {
        batch.add(new byte[] {1, 2}, 0, 2);
        batch.add(new byte[] {3}, 0, 1);

        assertEquals(0, tun.write(batch));

        assertArrayEquals(new byte[] {1, 2}, tun.take());
        assertArrayEquals(new byte[] {3}, tun.take());
    }

    @Test
    void failsLoudlyWhenAQueueIsFull() throws IOException {
        tun.inject(new byte[1]);
        tun.inject(new byte[1]);
        tun.write(new byte[1], 0, 1);
        tun.write(new byte[1], 0, 1);

        assertThrows(IllegalStateException.class, () -> tun.inject(new byte[1]));
        assertThrows(IOException.class, () -> tun.write(new byte[1], 0, 1));
    }

    @Test
    void closeWakesABlockedRead() throws Exception {
        BlockedReader reader = BlockedReader.start(tun, batch);
        reader.awaitWaiting();

        tun.close();

        assertEquals(-1, reader.result());
    }

    @Test
    void isClosedForGood() throws IOException {
        tun.inject(new byte[1]);
        tun.close();

        assertEquals(-1, tun.read(batch));
        assertThrows(IOException.class, () -> tun.write(new byte[1], 0, 1));
        assertThrows(IllegalStateException.class, () -> tun.inject(new byte[1]));
        tun.close();
    }

    private byte[] packet(int i) {
        return Arrays.copyOfRange(batch.buffer(i), batch.headroom(), batch.headroom() + batch.length(i));
    }
}
