package dev.overlayd.noise;

import java.util.Arrays;
import dev.overlayd.noise.message.Wire;

/**
 * ChaCha20-Poly1305 on OpenSSL's libcrypto ({@link LibCrypto}), the default: faster than the JDK's
 * cipher at every size (TransportBenchmark: 1420-byte seal 1,119 against 1,284 ns, keepalive 440
 * against 815 ns) and allocating nothing, where the JDK's init with the key for every packet leaves
 * 2.2 kB of garbage.
 *
 * <p>Key ownership: the native context that holds a key belongs to the {@link TransportKey}, one per
 * keypair direction, made on the first seal or open under it and freed, which cleanses it, when the
 * keypair is wiped (a keypair dropped without a wipe is freed by a Cleaner). So no key bytes stay in
 * native memory after retirement, and the threads that seal and open share the context rather than
 * each re-keying one of its own for every packet, which would cost a key setup per packet and leave
 * the last key in every thread's context until it was cleansed, once more per packet. Each use holds
 * the key's lock, as does the free: a wipe racing a seal or open waits for that packet, then the late
 * comer sees the key wiped and answers {@link #WIPED}; a freed context is never touched. The lock is
 * uncontended for sealing (a peer's seals already run under the peer's lock) and nearly always for
 * opening (one receive thread per socket); so it costs 2 to 20 ns a packet (measured against the same
 * calls unlocked).
 *
 * <p>This object holds only per-thread scratch (the nonce), so each thread owns one as with the JDK's.
 */
final class OpenSslTransportCipher extends TransportCipher {
    private final byte[] nonce = new byte[12];
    private final int[] outLength = new int[1];

    private OpenSslTransportCipher() {}

    /** Throws when libcrypto could not be loaded or failed its self-test. */
    static OpenSslTransportCipher require() {
        String problem = Availability.PROBLEM;
        if (problem != null) {
            throw new IllegalStateException("OpenSSL's libcrypto is unavailable: " + problem);
        }
        return new OpenSslTransportCipher();
    }

    /** Why libcrypto cannot be used, or null when it can. Loads it (once) to find out. */
    static String unavailable() {
        return Availability.PROBLEM;
    }

    @Override
    int seal(TransportKey key, long counter, byte[] buf, int off, int len) {
        Wire.putLong(nonce, 4, counter);
        synchronized (key) {
            LibCrypto.Context context = key.context();
            return context == null ? WIPED : context.seal(nonce, outLength, buf, off, len);
        }
    }

    @Override
    int open(TransportKey key, long counter, byte[] buf, int off, int len) {
        Wire.putLong(nonce, 4, counter);
        synchronized (key) {
            LibCrypto.Context context = key.context();
            return context == null ? WIPED : context.open(nonce, outLength, buf, off, len);
        }
    }

    /**
     * Loads libcrypto and checks it against the JDK's cipher: a message sealed by both must be the
     * same bytes, open again, and fail to open once forged.
     */
    private static final class Availability {
        static final String PROBLEM = check();

        private static String check() {
            try {
                TransportKey key = new TransportKey(ascending(32));
                try {
                    return selfTest(key);
                } finally {
                    key.destroy();
                }
            } catch (ExceptionInInitializerError e) {
                return e.getCause() == null ? e.toString() : e.getCause().getMessage();
            } catch (RuntimeException | LinkageError e) {
                return e.getMessage() == null ? e.toString() : e.getMessage();
            }
        }

        private static String selfTest(TransportKey key) {
            int length = 100;
            byte[] plaintext = ascending(length);
            long counter = 0x0102030405060708L;
            byte[] ours = Arrays.copyOf(plaintext, length + TAG_LENGTH);
            byte[] jdks = ours.clone();
            new OpenSslTransportCipher().seal(key, counter, ours, 0, length);
            new JdkTransportCipher().seal(key, counter, jdks, 0, length);
            if (!Arrays.equals(ours, jdks)) {
                return "its ChaCha20-Poly1305 disagrees with the JDK's";
            }
            byte[] forged = ours.clone();
            forged[length] ^= 1;
            OpenSslTransportCipher cipher = new OpenSslTransportCipher();
            if (cipher.open(key, counter, ours, 0, ours.length) != length
                    || !Arrays.equals(plaintext, 0, length, ours, 0, length)) {
                return "it does not open its own ChaCha20-Poly1305";
            }
            if (cipher.open(key, counter, forged, 0, forged.length) != -1) {
                return "it opens a forged ChaCha20-Poly1305 message";
            }
            return null;
        }

        private static byte[] ascending(int length) {
            byte[] bytes = new byte[length];
            for (int i = 0; i < length; i++) {
                bytes[i] = (byte) i;
            }
            return bytes;
        }
    }
}
