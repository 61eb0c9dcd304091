package dev.overlayd.bench;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import dev.overlayd.peers.AllowedIps;
import dev.overlayd.peers.IpPrefix;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Cryptokey routing on the send path: the peer for a packet's destination, once per packet read from
 * the TUN. A cluster's table as the membership plugin will build it: per host its overlay address
 * (/32) and its container subnet (/24), plus an IPv6 /64 each. One op is one lookup of an IPv4 or
 * IPv6 packet to a random host's container.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@State(Scope.Thread)
public class RoutingBenchmark {
    /** Packets looked up per invocation, with destinations spread over the table. */
    private static final int PACKETS = 1024;

    @Param({"10", "1000", "10000"})
    public int hosts;

    private final AllowedIps<Integer> table = new AllowedIps<>();
    private final byte[][] packets = new byte[PACKETS][];

    @Setup(Level.Trial)
    public void fill() {
        for (int h = 0; h < hosts; h++) {
            table.insert(IpPrefix.parse("100.64." + (h >> 8) + "." + (h & 0xff) + "/32"), h);
            table.insert(IpPrefix.parse("10." + (40 + (h >> 16)) + "." + ((h >> 8) & 0xff) + "." + (h & 0xff) + "/32"), h);
            table.insert(IpPrefix.parse("10." + (100 + (h >> 8)) + "." + (h & 0xff) + ".0/24"), h);
            table.insert(IpPrefix.parse("fd00:64:" + Integer.toHexString(h) + "::/64"), h);
        }
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < PACKETS; i++) {
            int h = random.nextInt(hosts);
            packets[i] = i % 2 == 0 ? ipv4To(10, 100 + (h >> 8), h & 0xff, random.nextInt(1, 255)) : ipv6To(h, random.nextInt());
        }
    }

    private static byte[] ipv4To(int a, int b, int c, int d) {
        byte[] packet = new byte[20];
        packet[0] = 0x45;
        packet[16] = (byte) a;
        packet[17] = (byte) b;
        packet[18] = (byte) c;
        packet[19] = (byte) d;
        return packet;
    }

    private static byte[] ipv6To(int host, int interfaceId) {
        byte[] packet = new byte[40];
        packet[0] = 0x60;
        packet[24] = (byte) 0xfd;
        packet[27] = 0x64;
        packet[28] = (byte) (host >> 8);
        packet[29] = (byte) host;
        packet[36] = (byte) (interfaceId >> 24);
        packet[37] = (byte) (interfaceId >> 16);
        packet[38] = (byte) (interfaceId >> 8);
        packet[39] = (byte) interfaceId;
        return packet;
    }

    @Benchmark
    @OperationsPerInvocation(PACKETS)
    public int lookupDestination() {
        int found = 0;
        for (byte[] packet : packets) {
            Integer peer = table.lookupDestination(packet, 0, packet.length);
            found += peer == null ? 0 : 1;
        }
        if (found != PACKETS) {
            throw new IllegalStateException("only " + found + " of " + PACKETS + " packets found their host");
        }
        return found;
    }
}
