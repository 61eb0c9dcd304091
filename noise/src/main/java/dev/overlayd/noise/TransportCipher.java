package dev.overlayd.noise;

import java.util.Locale;
import java.util.logging.Logger;

/**
 * ChaCha20-Poly1305 for transport data, working in place in heap arrays. Not thread-safe: each
 * thread that seals or opens owns one (the key-dependent state, where there is any, lives with the
 * {@link TransportKey}, not here).
 *
 * <p>Two implementations: {@link OpenSslTransportCipher} on OpenSSL's libcrypto.so.3, the faster one
 * and the default, and {@link JdkTransportCipher}, the fallback when libcrypto cannot be loaded or
 * fails its self-test (logged once). The choice is made once per process; the system property
 * {@code overlayd.cipher=jdk} forces the JDK's cipher, {@code overlayd.cipher=openssl} asks for
 * libcrypto (still with the fallback).
 */
public abstract sealed class TransportCipher permits JdkTransportCipher, OpenSslTransportCipher {
    public static final int TAG_LENGTH = 16;
    /** What seal and open return when the keypair was wiped (retired) under them. */
    static final int WIPED = -2;

    /** The system property that picks the implementation: {@value #JDK} or {@value #OPENSSL}. */
    public static final String PROPERTY = "overlayd.cipher";
    public static final String JDK = "jdk";
    public static final String OPENSSL = "openssl";

    TransportCipher() {}

    /** A cipher of the implementation this process uses. */
    public static TransportCipher create() {
        return create(Choice.IMPLEMENTATION);
    }

    /**
     * A cipher of the named implementation, {@value #JDK} or {@value #OPENSSL}, for tests and
     * benchmarks that compare the two; throws when libcrypto is asked for but unavailable.
     */
    public static TransportCipher create(String implementation) {
        return switch (implementation) {
            case JDK -> new JdkTransportCipher();
            case OPENSSL -> OpenSslTransportCipher.require();
            default -> throw new IllegalArgumentException(
                    "no transport cipher '" + implementation + "': " + JDK + " or " + OPENSSL);
        };
    }

    /** The implementation {@link #create()} makes in this process: {@value #JDK} or {@value #OPENSSL}. */
    public static String implementation() {
        return Choice.IMPLEMENTATION;
    }

    /** Encrypts buf[off, off+len) in place and appends the tag; returns len + 16, or {@link #WIPED}. */
    abstract int seal(TransportKey key, long counter, byte[] buf, int off, int len);

    /**
     * Decrypts buf[off, off+len) (ciphertext and tag) in place; returns the plaintext length, -1
     * when the message is forged, or {@link #WIPED}. A forged message leaves no plaintext behind.
     */
    abstract int open(TransportKey key, long counter, byte[] buf, int off, int len);

    /** Decided at the first cipher, so a process that never makes one never loads libcrypto. */
    private static final class Choice {
        private static final Logger LOG = Logger.getLogger(TransportCipher.class.getName());
        static final String IMPLEMENTATION =
                choose(System.getProperty(PROPERTY, OPENSSL).strip().toLowerCase(Locale.ROOT));

        private static String choose(String asked) {
            if (asked.equals(JDK)) {
                return JDK;
            }
            if (!asked.equals(OPENSSL)) {
                LOG.warning(PROPERTY + "=" + asked + " is neither " + JDK + " nor " + OPENSSL + ": trying " + OPENSSL);
            }
            String unavailable = OpenSslTransportCipher.unavailable();
            if (unavailable != null) {
                LOG.info("ChaCha20-Poly1305 through the JDK's cipher: OpenSSL's libcrypto is unavailable ("
                        + unavailable + ")");
                return JDK;
            }
            return OPENSSL;
        }
    }
}
