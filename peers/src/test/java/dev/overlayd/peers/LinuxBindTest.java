package dev.overlayd.peers;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import dev.overlayd.testing.Netns;
import org.junit.jupiter.api.Test;

/** When the bind hands its receiver's batch on: at once after a lone datagram that ended a wait, else at the burst's end. */
class LinuxBindTest {

    @Test
    void aLoneDatagramAfterAWaitGoesOnAtOnceAndABurstStillBatches() throws Exception {
        try (Netns ns = Netns.create("ovlb")) {
            ns.ip("link", "set", "lo", "up");
            DatagramSocket sender = ns.open(DatagramSocket::new);
            InetAddress loopback = InetAddress.getByName("127.0.0.1");
            List<String> events = new CopyOnWriteArrayList<>();
            CountDownLatch done = new CountDownLatch(1);
            int[] port = new int[1];
            Bind.Receiver receiver = new Bind.Receiver() {
                @Override
                public void receive(byte[] buf, int off, int len, Endpoint from) {
                    String name = new String(buf, off, len, US_ASCII);
                    events.add(name);
                    if (name.equals("first")) {
                        // Queued before the bind looks again, so they are waiting when it does.
                        send(sender, "second", loopback, port[0]);
                        send(sender, "third", loopback, port[0]);
                    }
                }

                @Override
                public void endOfBatch() {
                    events.add("end");
                    if (events.contains("third")) {
                        done.countDown();
                    }
                }
            };
            LinuxBind bind = ns.open(LinuxBind::new);
            port[0] = ns.call(() -> bind.open(0, receiver));
            send(sender, "first", loopback, port[0]);
            assertTrue(done.await(10, TimeUnit.SECONDS), "events so far: " + events);
            assertEquals(List.of("first", "end", "second", "third", "end"), events);
        }
    }

    private static void send(DatagramSocket socket, String text, InetAddress to, int port) {
        byte[] bytes = text.getBytes(US_ASCII);
        try {
            socket.send(new DatagramPacket(bytes, bytes.length, to, port));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
