package dev.overlayd.it;

import dev.overlayd.testing.Commands;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * tcpdump on a host's underlay veth, writing every frame (any protocol, so that nothing in clear
 * can hide outside UDP) to a pcap file, so a test can look at what really crossed the wire. It is listening when the constructor returns, and the file holds everything
 * that crossed before {@link #close()} once that returns.
 */
final class Capture implements AutoCloseable {
    /**
     * One UDP datagram seen on the veth: IPv4 source and destination, the UDP payload, the
     * payload's length by its UDP header, which is longer than {@code payload} when the datagram
     * was fragmented (only its first fragment is here), and when tcpdump saw it (microseconds
     * since the epoch, by the kernel's timestamp).
     */
    record Datagram(String source, String destination, byte[] payload, int length, long micros) {
        /** The WireGuard message type: the payload's first byte (1 initiation, 2 response, 3 cookie, 4 data). */
        int type() {
            return payload.length == 0 ? -1 : payload[0];
        }

        /** A WireGuard keepalive: a data message whose sealed payload is empty (16-byte header, 16-byte tag). */
        boolean keepalive() {
            return type() == 4 && length == 32;
        }

        /** A data message's receiver index: which session it was sealed under. */
        int receiverIndex() {
            return ByteBuffer.wrap(payload, 4, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
        }
    }

    private static final int LINKTYPE_ETHERNET = 1;

    private final Host host;
    private final Host peer;
    private final Path pcap;
    private final Path log;
    private final Process tcpdump;
    private boolean closed;

    /** Captures on {@code host}'s end of the veth that leads to {@code peer}. */
    Capture(Host host, String veth, Host peer, Path dir) throws Exception {
        this.host = host;
        this.peer = peer;
        pcap = Files.createTempFile(dir, "capture", ".pcap");
        log = dir.resolve(pcap.getFileName() + ".log");
        // A larger buffer than the default 2 MiB: a test's traffic must not outrun tcpdump on a busy machine.
        tcpdump = new ProcessBuilder(host.inside("tcpdump", "-i", veth, "--immediate-mode", "-B", "16384", "-U", "-n",
                "-w", pcap.toString())).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            // Packets sent before tcpdump has opened its socket would be missing from the capture.
            Await.until("tcpdump to listen on " + veth, Duration.ofSeconds(20),
                    () -> Files.readString(log).contains("listening on") || !tcpdump.isAlive(), this::log);
            if (!tcpdump.isAlive()) {
                throw new IOException("tcpdump exited: " + log());
            }
        } catch (Exception | Error e) {
            Commands.kill(tcpdump);
            throw e;
        }
    }

    /** The capture file as written so far; complete after {@link #close()}. */
    byte[] bytes() throws IOException {
        return Files.readAllBytes(pcap);
    }

    /** The UDP datagrams over IPv4 in the capture, in order; complete after {@link #close()}. */
    List<Datagram> datagrams() throws IOException {
        ByteBuffer in = ByteBuffer.wrap(bytes()).order(ByteOrder.LITTLE_ENDIAN);
        if (in.getInt(0) != 0xa1b2c3d4 || in.getInt(20) != LINKTYPE_ETHERNET) {
            throw new IOException("not a little-endian Ethernet pcap: " + pcap);
        }
        List<Datagram> out = new ArrayList<>();
        for (int at = 24; at + 16 <= in.limit(); ) {
            long micros = Integer.toUnsignedLong(in.getInt(at)) * 1_000_000 + Integer.toUnsignedLong(in.getInt(at + 4));
            int length = in.getInt(at + 8);
            int frame = at + 16;
            at = frame + length;
            if (at > in.limit()) {
                break; // a record cut short by the end of the capture
            }
            int ip = frame + 14;
            boolean udpOverIpv4 = length >= 14 + 20 + 8 && (in.get(frame + 12) & 0xff) == 0x08
                    && in.get(frame + 13) == 0x00 && (in.get(ip) & 0xf0) == 0x40 && in.get(ip + 9) == 17;
            // A fragment after the first has no UDP header: its datagram is counted at the first.
            if (!udpOverIpv4 || (Short.reverseBytes(in.getShort(ip + 6)) & 0x1fff) != 0) {
                continue;
            }
            int udp = ip + (in.get(ip) & 0x0f) * 4;
            int payload = udp + 8;
            // The UDP length, not the frame's end: a short frame may carry Ethernet padding.
            int udpLength = Short.toUnsignedInt(Short.reverseBytes(in.getShort(udp + 4)));
            byte[] data = new byte[Math.max(0, Math.min(udpLength - 8, frame + length - payload))];
            in.get(payload, data);
            out.add(new Datagram(ipv4(in, ip + 12), ipv4(in, ip + 16), data, udpLength - 8, micros));
        }
        return out;
    }

    private static String ipv4(ByteBuffer in, int at) {
        return (in.get(at) & 0xff) + "." + (in.get(at + 1) & 0xff) + "." + (in.get(at + 2) & 0xff) + "."
                + (in.get(at + 3) & 0xff);
    }

    static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    /** What tcpdump said, including at exit how many packets the kernel dropped. */
    String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no tcpdump log)";
        }
    }

    /**
     * Sends a marker datagram across the veth and waits for it in the file before stopping tcpdump:
     * tcpdump writes in order, and packets it has not read yet when it is stopped are lost.
     */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            String marker = "overlayd-capture-end-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
            // Port 9 (discard): nothing listens, and nothing needs to.
            Sh.run(host.inside("sh", "-c", "printf %s " + marker + " | nc -u -w 1 " + peer.underlayIp + " 9"), 10);
            byte[] bytes = marker.getBytes(StandardCharsets.US_ASCII);
            Await.until("tcpdump to write out what it saw", Duration.ofSeconds(30),
                    () -> contains(bytes(), bytes) || !tcpdump.isAlive(), this::log);
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Exception e) {
            throw new IOException(e);
        } finally {
            // SIGTERM: tcpdump closes the file and exits.
            Commands.stop(tcpdump, Duration.ofSeconds(30));
        }
    }
}
