package dev.overlayd.bench;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import dev.overlayd.noise.Clock;
import dev.overlayd.noise.CookieGenerator;
import dev.overlayd.noise.PublicKey;
import dev.overlayd.noise.message.HandshakeInitiation;

/**
 * The attacker of bench/hostile.sh: sends datagrams at a WireGuard responder at a fixed rate for a
 * time, and says how many it sent.
 * <ul>
 * <li>{@code initiation PUBKEY}: handshake initiations from keys nobody knows, each with a valid mac1
 *     for the responder's public key (so it cannot be dropped before its Diffie-Hellman: the costliest
 *     datagram a responder can be sent) and mac2 empty.
 * <li>{@code garbage}: datagrams of every message type (1 to 4, and others), of random lengths from 0
 *     to 200 bytes: truncated, overlong and random.
 * <li>{@code replay PCAP}: the UDP payloads of a capture ({@code tcpdump -w}, Ethernet), sent again
 *     in a loop: data messages that the responder has already seen.
 * </ul>
 * Usage: {@code Flood KIND [ARG] HOST PORT RATE SECONDS}
 */
public final class Flood {
    private static final int BURST = 64;

    private Flood() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 5) {
            System.err.println("usage: Flood initiation PUBKEY|garbage|replay PCAP HOST PORT RATE SECONDS");
            System.exit(2);
        }
        String kind = args[0];
        int at = kind.equals("garbage") ? 1 : 2;
        InetSocketAddress target = new InetSocketAddress(args[at], Integer.parseInt(args[at + 1]));
        long rate = Long.parseLong(args[at + 2]);
        long seconds = Long.parseLong(args[at + 3]);
        Source source = switch (kind) {
            case "initiation" -> initiations(PublicKey.fromBase64(args[1]));
            case "garbage" -> garbage();
            case "replay" -> replay(Path.of(args[1]));
            default -> throw new IllegalArgumentException("unknown kind " + kind);
        };
        long sent = send(source, target, rate, seconds);
        System.out.println(sent);
    }

    /** The next datagram to send, in a buffer that the sender may reuse. */
    @FunctionalInterface
    private interface Source {
        ByteBuffer next();
    }

    private static Source initiations(PublicKey responder) {
        SplittableRandom random = new SplittableRandom();
        CookieGenerator macs = new CookieGenerator(responder, Clock.SYSTEM);
        byte[] bytes = new byte[HandshakeInitiation.SIZE];
        return () -> {
            for (int i = 4; i < bytes.length; i++) {
                bytes[i] = (byte) random.nextInt();
            }
            bytes[0] = 1;
            bytes[1] = bytes[2] = bytes[3] = 0;
            HandshakeInitiation message = HandshakeInitiation.decode(bytes, 0, bytes.length).value();
            macs.addMacs(message);
            return ByteBuffer.wrap(message.bytes());
        };
    }

    private static Source garbage() {
        SplittableRandom random = new SplittableRandom();
        byte[] bytes = new byte[200];
        return () -> {
            int length = random.nextInt(bytes.length + 1);
            for (int i = 0; i < length; i++) {
                bytes[i] = (byte) random.nextInt();
            }
            if (length >= 4 && random.nextInt(5) > 0) {
                // Mostly a WireGuard type with its reserved zeros, so that the parsers behind the type run.
                bytes[0] = (byte) (1 + random.nextInt(4));
                bytes[1] = bytes[2] = bytes[3] = 0;
            }
            return ByteBuffer.wrap(bytes, 0, length);
        };
    }

    private static Source replay(Path pcap) throws IOException {
        List<byte[]> payloads = udpPayloads(pcap);
        if (payloads.isEmpty()) {
            throw new IllegalArgumentException(pcap + " holds no UDP datagram");
        }
        int[] next = {0};
        return () -> ByteBuffer.wrap(payloads.get(next[0]++ % payloads.size()));
    }

    /**
     * The UDP payloads of an Ethernet capture in the classic pcap format, which is all tcpdump -w
     * writes: a 24-byte file header, then per packet a 16-byte header and the frame.
     */
    static List<byte[]> udpPayloads(Path pcap) throws IOException {
        List<byte[]> payloads = new ArrayList<>();
        try (InputStream file = Files.newInputStream(pcap); DataInputStream in = new DataInputStream(file)) {
            byte[] header = in.readNBytes(24);
            ByteOrder order = (header[0] & 0xff) == 0xd4 ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN;
            if (header.length < 24 || ByteBuffer.wrap(header, 20, 4).order(order).getInt() != 1) {
                throw new IOException(pcap + " is not an Ethernet pcap capture");
            }
            while (true) {
                byte[] record = in.readNBytes(16);
                if (record.length < 16) {
                    return payloads;
                }
                int captured = ByteBuffer.wrap(record, 8, 4).order(order).getInt();
                byte[] frame = in.readNBytes(captured);
                if (frame.length < captured) {
                    throw new EOFException(pcap + " ends within a packet");
                }
                int ip = 14;
                if (frame.length > ip + 28 && frame[12] == 0x08 && frame[13] == 0 && frame[ip + 9] == 17) {
                    int udp = ip + (frame[ip] & 0x0f) * 4;
                    payloads.add(java.util.Arrays.copyOfRange(frame, udp + 8, frame.length));
                }
            }
        }
    }

    /** Sends at {@code rate} per second, in bursts of {@link #BURST} spaced evenly, for {@code seconds}. */
    private static long send(Source source, InetSocketAddress target, long rate, long seconds) throws IOException {
        long sent = 0;
        long start = System.nanoTime();
        long end = start + seconds * 1_000_000_000L;
        try (DatagramChannel channel = DatagramChannel.open()) {
            channel.connect(target);
            for (long now = start; now < end; now = System.nanoTime()) {
                long due = (now - start) * rate / 1_000_000_000L;
                if (sent >= due) {
                    Thread.onSpinWait();
                    if (due + BURST <= sent) {
                        Thread.sleep(0, 200_000);
                    }
                    continue;
                }
                for (int i = 0; i < BURST && sent < due; i++, sent++) {
                    try {
                        channel.write(source.next());
                    } catch (java.net.PortUnreachableException refused) {
                        // The responder's port answered ICMP unreachable (a restart): keep sending.
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return sent;
    }
}
