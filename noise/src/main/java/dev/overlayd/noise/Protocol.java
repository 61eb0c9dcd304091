package dev.overlayd.noise;

import java.nio.charset.StandardCharsets;
import dev.overlayd.noise.crypto.Blake2s;

/** The protocol's constants, named as in the WireGuard paper. */
public final class Protocol {
    private Protocol() {}

    public static final byte[] CONSTRUCTION =
            "Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s".getBytes(StandardCharsets.US_ASCII);
    public static final byte[] IDENTIFIER =
            "WireGuard v1 zx2c4 Jason@zx2c4.com".getBytes(StandardCharsets.US_ASCII);
    static final byte[] LABEL_MAC1 = "mac1----".getBytes(StandardCharsets.US_ASCII);
    static final byte[] LABEL_COOKIE = "cookie--".getBytes(StandardCharsets.US_ASCII);

    /** C0 = HASH(construction). Handed out as copies: callers mutate chaining keys. */
    static byte[] initialChainKey() {
        return INITIAL_CHAIN_KEY.clone();
    }

    /** H0 = HASH(C0 || identifier). */
    static byte[] initialHash() {
        return INITIAL_HASH.clone();
    }

    private static final byte[] INITIAL_CHAIN_KEY = Blake2s.hash(CONSTRUCTION);
    private static final byte[] INITIAL_HASH = Blake2s.hash(INITIAL_CHAIN_KEY, IDENTIFIER);

    public static final long REKEY_AFTER_MESSAGES = 1L << 60;
    /** 2^64 - 2^13 - 1, compared unsigned. */
    public static final long REJECT_AFTER_MESSAGES = -(1L << 13) - 1;

    private static final long SECOND = 1_000_000_000L;
    public static final long REKEY_AFTER_TIME = 120 * SECOND;
    public static final long REJECT_AFTER_TIME = 180 * SECOND;
    public static final long REKEY_ATTEMPT_TIME = 90 * SECOND;
    public static final long REKEY_TIMEOUT = 5 * SECOND;
    public static final long REKEY_TIMEOUT_JITTER_MAX = 333_000_000L;
    public static final long KEEPALIVE_TIMEOUT = 10 * SECOND;
    public static final long COOKIE_REFRESH_TIME = 120 * SECOND;
    public static final long HANDSHAKE_INITIATION_RATE = 20_000_000L;
    /** Handshake messages queued at once before the device counts as under load. */
    public static final int UNDER_LOAD_QUEUE_SIZE = 128;
    public static final long UNDER_LOAD_AFTER_TIME = SECOND;

    public static final int DEFAULT_MTU = 1420;
    public static final int PADDING_MULTIPLE = 16;
    public static final int MAX_DATAGRAM = 65535;
}
