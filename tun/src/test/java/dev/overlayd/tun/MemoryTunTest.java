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

    @Test
    void readsInjectedPacketsInOrder() throws IOException {
        tun.inject(new byte[] {1, 2, 3});
        tun.inject(new byte[] {4, 5});
        byte[] buf = new byte[10];

        assertEquals(3, tun.read(buf, 1, 9));
        assertArrayEquals(new byte[] {1, 2, 3}, Arrays.copyOfRange(buf, 1, 4));
        assertEquals(2, tun.read(buf, 0, 10));
        assertArrayEquals(new byte[] {4, 5}, Arrays.copyOf(buf, 2));
    }

    @Test
    void injectKeepsItsOwnCopy() throws IOException {
        byte[] packet = {1, 2, 3};
        tun.inject(packet);
        packet[0] = 9;
        byte[] buf = new byte[3];

        tun.read(buf, 0, 3);

        assertArrayEquals(new byte[] {1, 2, 3}, buf);
    }

    @Test
    void truncatesAPacketLongerThanTheBuffer() throws IOException {
        tun.inject(new byte[] {1, 2, 3, 4});
        byte[] buf = new byte[2];

        assertEquals(2, tun.read(buf, 0, 2));
        assertArrayEquals(new byte[] {1, 2}, buf);
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
        BlockedReader reader = BlockedReader.start(tun, new byte[10]);
        reader.awaitWaiting();

        tun.close();

        assertEquals(-1, reader.result());
    }

    @Test
    void isClosedForGood() throws IOException {
        tun.inject(new byte[1]);
        tun.close();

        assertEquals(-1, tun.read(new byte[1], 0, 1));
        assertThrows(IOException.class, () -> tun.write(new byte[1], 0, 1));
        assertThrows(IllegalStateException.class, () -> tun.inject(new byte[1]));
        tun.close();
    }
}
