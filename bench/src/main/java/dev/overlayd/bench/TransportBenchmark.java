package dev.overlayd.bench;

import java.util.concurrent.TimeUnit;
import dev.overlayd.noise.Keypair;
import dev.overlayd.noise.Protocol;
import dev.overlayd.noise.Rejection;
import dev.overlayd.noise.TransportCipher;
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
 * Data messages per second on one core: sealing and opening under a session's keypair with the
 * thread's own cipher, as a device's worker thread does. One op is one message of {@code size}
 * plaintext bytes, on each of the two ciphers ({@code cipher}: the JDK's and OpenSSL's libcrypto).
 *
 * <p>Each benchmark has one self-contained state: JMH gives every method that takes a thread-scoped
 * state its own instance of it, so a state shared between a benchmark and a setup method would be
 * two states with two different handshakes.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class TransportBenchmark {
    /**
     * Messages opened per invocation. The replay window accepts each counter once, so every
     * invocation opens a batch the untimed setup has just sealed. A batch makes JMH's per-invocation
     * timestamps negligible next to the opens, and 256 messages of at most 1452 bytes (372 KB) stay
     * in a 1 MB L2 cache, near the L1-resident single buffer that seal works in.
     */
    private static final int BATCH = 256;

    /** The initiator of a fresh session, sealing over and over into one buffer. */
    @State(Scope.Thread)
    public static class Sender {
        @Param({"0", "64", "1420"})
        public int size;
        @Param({TransportCipher.JDK, TransportCipher.OPENSSL})
        public String cipher;

        TransportCipher transportCipher;
        Keypair keypair;
        long now;
        byte[] buffer;

        @Setup(Level.Trial)
        public void handshake() {
            transportCipher = TransportCipher.create(cipher);
            PeerPair peers = new PeerPair();
            keypair = peers.handshake().initiator();
            now = peers.now();
            buffer = new byte[bufferLength(size)];
        }
    }

    /** The responder of a fresh session, with a batch of messages from the initiator it has not yet seen. */
    @State(Scope.Thread)
    public static class Receiver {
        @Param({"0", "64", "1420"})
        public int size;
        @Param({TransportCipher.JDK, TransportCipher.OPENSSL})
        public String cipher;

        TransportCipher transportCipher;
        /** The initiator's, apart from the receiver's as it would be on another machine. */
        private final TransportCipher peerCipher = TransportCipher.create();
        private Keypair peer;
        Keypair keypair;
        long now;
        final int[] lengths = new int[BATCH];
        byte[][] messages;

        @Setup(Level.Trial)
        public void handshake() {
            transportCipher = TransportCipher.create(cipher);
            PeerPair peers = new PeerPair();
            PeerPair.Sessions sessions = peers.handshake();
            peer = sessions.initiator();
            keypair = sessions.responder();
            now = peers.now();
            messages = new byte[BATCH][bufferLength(size)];
        }

        @Setup(Level.Invocation)
        public void sealBatch() {
            for (int i = 0; i < BATCH; i++) {
                lengths[i] = accepted(peer.seal(peerCipher, messages[i], 0, size, Protocol.DEFAULT_MTU, now));
            }
        }
    }

    @Benchmark
    public int seal(Sender sender) {
        return accepted(sender.keypair.seal(sender.transportCipher, sender.buffer, 0, sender.size, Protocol.DEFAULT_MTU,
                sender.now));
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int open(Receiver receiver) {
        int plaintext = 0;
        for (int i = 0; i < BATCH; i++) {
            plaintext += accepted(receiver.keypair.open(receiver.transportCipher, receiver.messages[i], 0,
                    receiver.lengths[i], receiver.now));
        }
        return plaintext;
    }

    /** Room for the header, the plaintext padded to 16 bytes, and the tag. */
    private static int bufferLength(int size) {
        return size + Protocol.PADDING_MULTIPLE + Keypair.OVERHEAD;
    }

    /** Fails the run on a rejection, which would otherwise be timed as a (cheap) message. */
    private static int accepted(int result) {
        if (result < 0) {
            throw new IllegalStateException(Rejection.ofCode(result).description());
        }
        return result;
    }
}
