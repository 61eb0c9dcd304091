package dev.overlayd.noise;

/**
 * Why the protocol refused a message. Every decoder and protocol step answers bad input with one of
 * these, never an exception, so the device can count drops by reason.
 *
 * <p>Hot-path methods return an {@code int}: a length when it is zero or more, {@link #code()} of a
 * rejection when it is negative.
 */
public enum Rejection {
    TOO_SHORT("datagram shorter than 32 bytes"),
    RESERVED_NONZERO("reserved header bytes are not zero"),
    UNKNOWN_TYPE("unknown message type"),
    WRONG_SIZE("wrong size for its message type"),
    INVALID_MAC1("invalid mac1"),
    COOKIE_REQUIRED("under load and mac2 is not valid"),
    BAD_PUBLIC_KEY("Diffie-Hellman with a public key gave zero"),
    DECRYPTION_FAILED("handshake field did not authenticate"),
    UNKNOWN_PEER("initiation from a static key that is not a peer"),
    REPLAYED_INITIATION("initiation timestamp not newer than the last one"),
    INITIATION_FLOOD("initiation less than 20 ms after the previous one"),
    UNKNOWN_INDEX("receiver index matches no handshake or keypair"),
    UNEXPECTED_MESSAGE("message does not fit the handshake's state"),
    UNSOLICITED_COOKIE("cookie reply to no message we sent"),
    KEYPAIR_EXPIRED("keypair older than RejectAfterTime"),
    COUNTER_EXHAUSTED("counter at or past RejectAfterMessages"),
    AUTHENTICATION_FAILED("transport data did not authenticate"),
    REPLAYED_COUNTER("counter already seen or outside the replay window");

    private static final Rejection[] VALUES = values();

    private final String description;

    Rejection(String description) {
        this.description = description;
    }

    public String description() {
        return description;
    }

    /** Negative code for int-returning hot-path methods. */
    public int code() {
        return -1 - ordinal();
    }

    /** The rejection behind a negative {@link #code()}. */
    public static Rejection ofCode(int code) {
        if (code >= 0 || -1 - code >= VALUES.length) {
            throw new IllegalArgumentException("not a rejection code: " + code);
        }
        return VALUES[-1 - code];
    }
}
