package dev.overlayd.peers.uapi;

/**
 * The errno values the UAPI carries in its {@code errno=} line. They are negated, as the protocol
 * sends them, and are Linux's numbers: `wg` prints them with strerror, so a made-up code would read
 * as nonsense to the operator.
 */
public final class Errno {
    private Errno() {}

    public static final int OK = 0;
    /** An I/O failure, and what an unexpected failure inside the device is reported as. */
    public static final int EIO = -5;
    /** A value or key the protocol does not accept. */
    public static final int EINVAL = -22;
    /** A line without '=', or a request cut short. */
    public static final int EPROTO = -71;
    /** A request larger than the daemon accepts. */
    public static final int EMSGSIZE = -90;
    /** The listen port is taken (or the fwmark cannot be set), as wireguard-go reports both. */
    public static final int EADDRINUSE = -98;
}
