package dev.overlayd.peers.uapi;

/**
 * What the UAPI needs from the device. Both calls may come from several connections at once.
 */
public interface UapiDevice {

    /** The device's state at one moment, for a {@code get}. */
    DeviceSnapshot snapshot();

    /**
     * Applies a whole set request, or nothing of it when it fails: the UAPI has already validated
     * every line, so what remains to fail is what only the device can know (a port already taken).
     *
     * <p>The device, not the protocol, drops peer blocks that name its own public key, since only it
     * knows that key at the moment it applies the request: see {@link SetRequest#ignoringOwnKey}.
     * When a new private key makes an existing peer's key the device's own, that peer is removed, as
     * in wireguard-go.
     *
     * @throws UapiException with the errno to report, e.g. {@link Errno#EADDRINUSE}
     */
    void apply(SetRequest request) throws UapiException;
}
