package dev.overlayd.node.plugin;

import java.time.Instant;

/**
 * The WireGuard session with one member: when its last handshake completed (null: never) and the
 * bytes carried each way so far.
 */
public record PeerHealth(Instant lastHandshake, long rxBytes, long txBytes) {
    /** WireGuard drops a session 180 s after its handshake; one newer than that carries traffic now. */
    public boolean hasSession(Instant now) {
        return lastHandshake != null && lastHandshake.plusSeconds(180).isAfter(now);
    }
}
