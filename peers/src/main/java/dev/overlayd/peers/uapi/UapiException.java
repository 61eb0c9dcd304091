package dev.overlayd.peers.uapi;

/**
 * A set request that failed, with the negative errno the UAPI reports to `wg`. The message is for
 * the daemon's log only; the protocol has no way to carry it. It must never contain key material.
 */
public final class UapiException extends Exception {
    private final int errno;

    public UapiException(int errno, String message) {
        super(message);
        if (errno >= 0) {
            throw new IllegalArgumentException("a UAPI error is a negative errno, not " + errno);
        }
        this.errno = errno;
    }

    public UapiException(int errno, String message, Throwable cause) {
        this(errno, message);
        initCause(cause);
    }

    /** Negative, e.g. {@link Errno#EADDRINUSE}. */
    public int errno() {
        return errno;
    }
}
