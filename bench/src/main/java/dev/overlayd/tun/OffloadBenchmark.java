package dev.overlayd.tun;

import java.nio.ByteBuffer;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * TUN offloads in memory, one op being one TCP super-packet of {@link #SEGMENTS} segments of 1448
 * payload bytes (MTU 1500 with timestamps: what a 64 KiB TSO send becomes): {@code split} cuts it
 * from a direct buffer, as LinuxTun reads it, into a batch's heap slots with every header and
 * checksum redone; {@code coalesce} checks and merges the batch's segments back and emits the
 * super-packet with its virtio header into a direct buffer, as LinuxTun writes it. An op carries
 * 63.7 KB of payload: 100 000 ops/s is 51 Gb/s.
 *
 * <p>In package dev.overlayd.tun because the two are package-private: the TUN's users see only batches.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@State(Scope.Thread)
public class OffloadBenchmark {
    private static final int SEGMENTS = 44;
    private static final int MSS = 1448;
    /** NOP, NOP, timestamps: the options Linux puts on every segment. */
    private static final byte[] OPTIONS = {1, 1, 8, 10, 0, 0, 0x12, 0x34, 0, 0, 0x56, 0x78};

    @Param({"4", "6"})
    public int ipVersion;

    private final GsoSplit split = new GsoSplit();
    private final GroCoalesce coalesce = new GroCoalesce();
    private final VirtioNetHeader header = new VirtioNetHeader();
    /** As the device reads: headroom for the WireGuard header, tailroom for padding and tag. */
    private final PacketBatch segments = new PacketBatch(64, 16, LinuxTun.MAX_PACKET, 31);
    private final PacketBatch out = new PacketBatch(64, 16, LinuxTun.MAX_PACKET, 31);
    private final ByteBuffer superPacket = ByteBuffer.allocateDirect(GroCoalesce.maxEmitted());
    private final ByteBuffer written = ByteBuffer.allocateDirect(GroCoalesce.maxEmitted());
    private int superPacketLength;

    @Setup(Level.Trial)
    public void build() {
        Random random = new Random(1448);
        byte[] payload = new byte[MSS];
        for (int i = 0; i < SEGMENTS; i++) {
            random.nextBytes(payload);
            byte[] p = segment(ipVersion == 6, 0x10000000 + i * MSS, 0x1000 + i, payload);
            segments.add(p, 0, p.length);
        }
        coalesce.plan(segments);
        if (coalesce.groups() != 1) {
            throw new IllegalStateException("the segments did not coalesce: " + coalesce.groups() + " groups");
        }
        superPacketLength = coalesce.emit(0, segments, superPacket, 0);
        if (split() != SEGMENTS) {
            throw new IllegalStateException("the super-packet did not split into " + SEGMENTS);
        }
    }

    @Benchmark
    public int split() {
        out.clear();
        header.decode(superPacket, 0);
        split.start(header, superPacket, VirtioNetHeader.LENGTH, superPacketLength - VirtioNetHeader.LENGTH);
        split.fill(out);
        return out.size();
    }

    @Benchmark
    public int coalesce() {
        coalesce.plan(segments);
        int bytes = 0;
        for (int g = 0; g < coalesce.groups(); g++) {
            bytes += coalesce.emit(g, segments, written, 0);
        }
        return bytes;
    }

    private static byte[] segment(boolean v6, int seq, int id, byte[] payload) {
        int ip = v6 ? IpHeaders.IPV6_HEADER : IpHeaders.IPV4_HEADER;
        int tcp = IpHeaders.TCP_HEADER + OPTIONS.length;
        byte[] p = new byte[ip + tcp + payload.length];
        if (v6) {
            p[0] = 0x60;
            IpHeaders.putU16(p, IpHeaders.IPV6_PAYLOAD_LENGTH, p.length - ip);
            p[IpHeaders.IPV6_NEXT_HEADER] = (byte) InternetChecksum.TCP;
            p[IpHeaders.IPV6_HOP_LIMIT] = 64;
            p[IpHeaders.IPV6_ADDRESSES] = (byte) 0xfd;
            p[IpHeaders.IPV6_ADDRESSES + 15] = 1;
            p[IpHeaders.IPV6_ADDRESSES + 16] = (byte) 0xfd;
            p[IpHeaders.IPV6_ADDRESSES + 31] = 2;
        } else {
            p[0] = 0x45;
            IpHeaders.putU16(p, IpHeaders.IPV4_TOTAL_LENGTH, p.length);
            IpHeaders.putU16(p, IpHeaders.IPV4_ID, id);
            p[IpHeaders.IPV4_FRAGMENT] = 0x40;
            p[IpHeaders.IPV4_TTL] = 64;
            p[IpHeaders.IPV4_PROTOCOL] = (byte) InternetChecksum.TCP;
            IpHeaders.putI32(p, IpHeaders.IPV4_ADDRESSES, 0x64400001);
            IpHeaders.putI32(p, IpHeaders.IPV4_ADDRESSES + 4, 0x64400002);
            IpHeaders.fillIpv4Checksum(p, 0, ip);
        }
        IpHeaders.putU16(p, ip, 40000);
        IpHeaders.putU16(p, ip + 2, 5201);
        IpHeaders.putI32(p, ip + IpHeaders.TCP_SEQ, seq);
        IpHeaders.putI32(p, ip + IpHeaders.TCP_ACK, 0x20000000);
        p[ip + IpHeaders.TCP_DATA_OFFSET] = (byte) (tcp / 4 << 4);
        p[ip + IpHeaders.TCP_FLAGS] = (byte) IpHeaders.TCP_ACK_FLAG;
        IpHeaders.putU16(p, ip + 14, 502);
        System.arraycopy(OPTIONS, 0, p, ip + IpHeaders.TCP_HEADER, OPTIONS.length);
        System.arraycopy(payload, 0, p, ip + tcp, payload.length);
        IpHeaders.fillL4Checksum(p, 0, ip, p.length, InternetChecksum.TCP, IpHeaders.TCP_CHECKSUM);
        return p;
    }
}
