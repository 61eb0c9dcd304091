package dev.overlayd.peers;

import dev.overlayd.noise.Rejection;

/**
 * Why the device dropped a packet: every protocol {@link Rejection}, and what only the device can
 * see. Counted per device and per peer; never logged with the packet.
 */
public enum Drop {
    TOO_SHORT, RESERVED_NONZERO, UNKNOWN_TYPE, WRONG_SIZE, INVALID_MAC1, COOKIE_REQUIRED, BAD_PUBLIC_KEY,
    DECRYPTION_FAILED, UNKNOWN_PEER, REPLAYED_INITIATION, INITIATION_FLOOD, UNKNOWN_INDEX, UNEXPECTED_MESSAGE,
    UNSOLICITED_COOKIE, KEYPAIR_EXPIRED, COUNTER_EXHAUSTED, AUTHENTICATION_FAILED, REPLAYED_COUNTER,
    /** A packet from the TUN whose destination no peer's allowed IPs cover. */
    NO_ROUTE,
    /** Decrypted fine, but its source address is not among the sending peer's allowed IPs. */
    SOURCE_NOT_ALLOWED,
    /** Decrypted fine, but not a well-formed IPv4 or IPv6 packet. */
    INVALID_PACKET,
    /** A peer's staged queue overflowed: the oldest packet went. */
    STAGED_QUEUE_FULL,
    /** More handshake messages than the handshake worker can queue. */
    HANDSHAKE_QUEUE_FULL,
    /** Under load, a handshake message whose cookie was good, from a source past its 20 a second (burst 5). */
    RATE_LIMITED,
    /** Nowhere to send: the peer has no endpoint yet. */
    NO_ENDPOINT,
    /** The handshake was retried for RekeyAttemptTime without an answer: its staged packets went. */
    HANDSHAKE_GAVE_UP,
    /**
     * A packet from the TUN longer than {@link Device#MAX_MTU}: no UDP datagram could carry it
     * (the interface's MTU was set above that and is being brought down).
     */
    TOO_BIG,
    /** The UDP socket or TUN refused the packet. */
    IO_ERROR;

    private static final Drop[] BY_REJECTION = new Drop[Rejection.values().length];

    static {
        for (Rejection r : Rejection.values()) {
            BY_REJECTION[r.ordinal()] = valueOf(r.name());
        }
    }

    public static Drop of(Rejection rejection) {
        return BY_REJECTION[rejection.ordinal()];
    }

    /** The drop behind a negative rejection code from the noise hot path. */
    static Drop ofCode(int rejectionCode) {
        return of(Rejection.ofCode(rejectionCode));
    }
}
