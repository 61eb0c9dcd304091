package dev.overlayd.routing.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.overlayd.routing.discovery.CatalogSnapshot;
import dev.overlayd.routing.discovery.Health;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponse;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.handler.codec.dns.DnsSection;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Bad queries get FORMERR or NOTIMP with their id, or are dropped, counted; the server keeps answering. */
class DnsMalformedQueryTest {
    private static final int ID = 0x5a5a;
    private DnsServer server;
    private DnsTestClient client;

    @BeforeEach
    void start() throws IOException {
        CatalogSnapshot catalog = new CatalogSnapshot(List.of(
                DnsServerTest.instance("web", "100.64.0.2", 80, Health.PASSING)));
        server = DnsServer.start(new DnsSettings(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), "overlay",
                Duration.ofSeconds(5), List.of()), () -> catalog);
        client = new DnsTestClient(server.address());
    }

    @AfterEach
    void stop() {
        client.close();
        server.close();
    }

    /** A header with the given flags and counts, then {@code body}. */
    private static byte[] message(int flags, int questions, int additional, byte[] body) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeShort(ID);
        out.writeShort(flags);
        out.writeShort(questions);
        out.writeShort(0);
        out.writeShort(0);
        out.writeShort(additional);
        out.write(body);
        return bytes.toByteArray();
    }

    /** A question for {@code labels} with type A and {@code dnsClass}. */
    private static byte[] question(int dnsClass, String... labels) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        for (String label : labels) {
            out.writeByte(label.length());
            out.writeBytes(label);
        }
        out.writeByte(0);
        out.writeShort(1);
        out.writeShort(dnsClass);
        return bytes.toByteArray();
    }

    private DnsResponseCode answer(byte[] message) throws IOException {
        byte[] response = client.udp(message);
        assertNotNull(response, "no response; " + server.counters());
        DnsResponse decoded = DnsTestClient.decode(response);
        try {
            assertEquals(ID, decoded.id());
            return decoded.code();
        } finally {
            decoded.release();
        }
    }

    private void stillAnswers() throws IOException {
        DnsResponse response = client.ask("web.service.overlay", DnsRecordType.A);
        assertEquals(List.of(DnsServerTest.addr("100.64.0.2")), DnsTestClient.addresses(response, DnsSection.ANSWER));
        response.release();
    }

    @Test
    void unreadableQuestionsGetFormerr() throws IOException {
        String l63 = "a".repeat(63);
        byte[] good = question(1, "web", "service", "overlay");
        assertEquals(DnsResponseCode.FORMERR, answer(message(0x0100, 0, 0, new byte[0])), "no question");
        assertEquals(DnsResponseCode.FORMERR, answer(message(0x0100, 2, 0, concat(good, good))), "two questions");
        assertEquals(DnsResponseCode.FORMERR, answer(message(0x0100, 1, 0, new byte[] {(byte) 0xc0, 12, 0, 1, 0, 1})),
                "a pointer to itself");
        assertEquals(DnsResponseCode.FORMERR, answer(message(0x0100, 1, 0,
                new byte[] {1, 'a', (byte) 0xc0, 17, 1, 'b', (byte) 0xc0, 12, 0, 1, 0, 1})), "two pointers in a loop");
        assertEquals(DnsResponseCode.FORMERR, answer(message(0x0100, 1, 0, question(1, "a".repeat(64), "overlay"))),
                "a label of 64");
        assertEquals(DnsResponseCode.FORMERR, answer(message(0x0100, 1, 0, question(1, l63, l63, l63, l63, "overlay"))),
                "a name over 255");
        assertEquals(DnsResponseCode.FORMERR, answer(message(0x0100, 1, 0, new byte[] {3, 'w', 'e'})), "cut in a label");
        assertEquals(DnsResponseCode.FORMERR, answer(message(0x0100, 1, 0, new byte[] {3, 'w', 'e', 'b', 0, 0})),
                "cut in the type");
        assertEquals(8, server.counters().formerr());
        stillAnswers();
    }

    @Test
    void otherKindsOfQueryGetNotimp() throws IOException {
        byte[] good = question(1, "web", "service", "overlay");
        assertEquals(DnsResponseCode.NOTIMP, answer(message(2 << 11, 1, 0, good)), "opcode STATUS");
        assertEquals(DnsResponseCode.NOTIMP, answer(message(5 << 11, 1, 0, good)), "opcode UPDATE");
        assertEquals(DnsResponseCode.NOTIMP, answer(message(0x0100, 1, 0, question(0x1234, "web", "service", "overlay"))),
                "an unknown class");
        assertEquals(DnsResponseCode.NOTIMP, answer(message(0x0100, 1, 0, question(3, "version", "bind"))), "CHAOS");
        assertEquals(4, server.counters().notimp());
        stillAnswers();
    }

    @Test
    void shortMessagesAndResponsesAreDropped() throws IOException {
        client.close();
        client = new DnsTestClient(server.address(), 500);
        assertNull(client.udp(new byte[] {0x5a, 0x5a, 1, 0, 0}), "a cut header");
        assertNull(client.udp(new byte[0]), "an empty datagram");
        assertNull(client.udp(message(0x8180, 1, 0, question(1, "web", "service", "overlay"))), "a response");
        assertEquals(3, server.counters().dropped());
        stillAnswers();
    }

    @Test
    void randomBytesNeverStopTheServer() throws IOException {
        Random random = new Random(13);
        int answered = 0;
        for (int i = 0; i < 300; i++) {
            byte[] noise = new byte[random.nextInt(1, 120)];
            random.nextBytes(noise);
            noise[0] = (byte) (noise[0] | 0x80); // ids 0x8000 and above, apart from the good queries'
            client.send(noise);
            // One event loop answers in order: whatever the noise gets comes before the good query's answer.
            int ping = i;
            client.send(DnsTestClient.query(ping, "web.service.overlay", DnsRecordType.A));
            for (;;) {
                byte[] response = client.receive();
                assertNotNull(response, "no answer to the good query after noise " + i);
                DnsResponse decoded = DnsTestClient.decode(response);
                int id = decoded.id();
                decoded.release();
                if (id == ping) {
                    break;
                }
                assertEquals((noise[0] & 0xff) << 8 | noise[1] & 0xff, id, "a response to a query never sent");
                answered++;
            }
        }
        DnsCounters counters = server.counters();
        assertEquals(600, counters.queries());
        assertEquals(300, counters.formerr() + counters.notimp() + counters.dropped() + counters.answered() - 300
                + counters.refused());
        assertEquals(answered, 300 - counters.dropped());
        assertTrue(counters.formerr() > 0 && counters.dropped() > 0 && counters.notimp() > 0, counters.toString());
    }

    @Test
    void tcpQueriesOverTheSizeBoundCloseTheConnection() throws IOException {
        try (Socket tcp = new Socket(server.address().getAddress(), server.address().getPort())) {
            tcp.setSoTimeout(2000);
            DataOutputStream out = new DataOutputStream(tcp.getOutputStream());
            out.writeShort(60000);
            out.write(new byte[60000]);
            out.flush();
            assertEquals(-1, new DataInputStream(tcp.getInputStream()).read());
        } catch (java.net.SocketException reset) {
            // The server closed while we were still writing: the same outcome.
        }
        stillAnswers();
    }

    @Test
    void idleTcpConnectionsAreClosed() throws IOException {
        try (Socket tcp = new Socket(server.address().getAddress(), server.address().getPort())) {
            tcp.setSoTimeout((int) DnsServer.TCP_IDLE.toMillis() * 3);
            assertEquals(-1, tcp.getInputStream().read());
        }
    }

    @Test
    void tcpBadQueriesGetFormerrOnTheSameConnection() throws IOException {
        try (Socket tcp = new Socket(server.address().getAddress(), server.address().getPort())) {
            tcp.setSoTimeout(2000);
            DataOutputStream out = new DataOutputStream(tcp.getOutputStream());
            DataInputStream in = new DataInputStream(tcp.getInputStream());
            for (byte[] query : List.of(message(0x0100, 0, 0, new byte[0]),
                    DnsTestClient.query(77, "web.service.overlay", DnsRecordType.A))) {
                out.writeShort(query.length);
                out.write(query);
                out.flush();
                byte[] response = new byte[in.readUnsignedShort()];
                in.readFully(response);
                DnsResponse decoded = DnsTestClient.decode(response);
                assertEquals((query[0] & 0xff) << 8 | query[1] & 0xff, decoded.id());
                decoded.release();
            }
        }
        assertEquals(1, server.counters().formerr());
        assertEquals(1, server.counters().answered());
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] both = new byte[a.length + b.length];
        System.arraycopy(a, 0, both, 0, a.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }
}
