package dev.overlayd.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Complete handshakes per second on one thread: both peers' work, MACs and cookie checks
 * included, as a device that both starts and answers handshakes would do it.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@State(Scope.Thread)
public class HandshakeBenchmark {
    private PeerPair peers;

    @Setup
    public void setUp() {
        peers = new PeerPair();
    }

    @Benchmark
    public PeerPair.Sessions handshake() {
        return peers.handshake();
    }
}
