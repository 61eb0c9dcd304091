package dev.overlayd.peers;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import dev.overlayd.noise.Clock;
import dev.overlayd.noise.Protocol;

/**
 * A peer's five timers and the protocol events that arm and disarm them, named as in wireguard-go's
 * timers.go: retransmit the handshake, send a keepalive after receiving, start a new handshake when
 * sending gets no answer, zero the key material after a long silence, persistent keepalive.
 */
final class PeerTimers {

    @FunctionalInterface
    interface Factory {
        PeerTimers create(Peer peer);
    }

    private final Peer peer;
    private final Device device;
    private final Timing timing;
    private final Clock clock;

    private final Timer retransmitHandshake;
    private final Timer sendKeepalive;
    private final Timer newHandshake;
    private final Timer zeroKeyMaterial;
    private final Timer persistentKeepalive;

    private int handshakeAttempts;
    private boolean needAnotherKeepalive;
    volatile boolean sentLastMinuteHandshake;
    private long lastSentHandshake;
    private boolean sentAnyHandshake;

    PeerTimers(Peer peer, Device device, ScheduledExecutorService scheduler, Timing timing, Clock clock) {
        this.peer = peer;
        this.device = device;
        this.timing = timing;
        this.clock = clock;
        retransmitHandshake = new Timer(scheduler, this::expiredRetransmitHandshake);
        sendKeepalive = new Timer(scheduler, this::expiredSendKeepalive);
        newHandshake = new Timer(scheduler, () -> device.sendInitiation(peer, false));
        zeroKeyMaterial = new Timer(scheduler, () -> device.zeroKeyMaterial(peer));
        persistentKeepalive = new Timer(scheduler, () -> {
            if (peer.persistentKeepaliveSeconds > 0) {
                device.sendKeepalive(peer);
            }
        });
    }

    /**
     * Whether an initiation may go now: not within RekeyTimeout of the previous one. Records the
     * attempt when it may. A fresh (non-retry) initiation starts the attempt count over.
     */
    synchronized boolean mayInitiate(boolean isRetry) {
        if (!isRetry) {
            handshakeAttempts = 0;
        }
        long now = clock.nanoTime();
        if (sentAnyHandshake && now - lastSentHandshake < timing.rekeyTimeout()) {
            return false;
        }
        lastSentHandshake = now;
        sentAnyHandshake = true;
        return true;
    }

    /** Data (not a keepalive) went out: expect an answer within KeepaliveTimeout + RekeyTimeout. */
    void dataSent() {
        if (!newHandshake.isPending()) {
            newHandshake.mod(timing.keepaliveTimeout() + timing.rekeyTimeout() + jitter());
        }
    }

    /** Data came in: answer with a keepalive unless we send something first. */
    synchronized void dataReceived() {
        if (!sendKeepalive.isPending()) {
            sendKeepalive.mod(timing.keepaliveTimeout());
        } else {
            needAnotherKeepalive = true;
        }
    }

    void anyAuthenticatedPacketSent() {
        sendKeepalive.del();
    }

    void anyAuthenticatedPacketReceived() {
        newHandshake.del();
    }

    void handshakeInitiated() {
        retransmitHandshake.mod(timing.rekeyTimeout() + jitter());
    }

    synchronized void handshakeComplete() {
        retransmitHandshake.del();
        handshakeAttempts = 0;
        sentLastMinuteHandshake = false;
        peer.lastHandshakeEpochNanos = clock.epochNanos();
    }

    void sessionDerived() {
        zeroKeyMaterial.mod(timing.rejectAfterTime() * 3);
    }

    void anyAuthenticatedPacketTraversal() {
        int interval = peer.persistentKeepaliveSeconds;
        if (interval > 0) {
            persistentKeepalive.mod(interval * 1_000_000_000L);
        }
    }

    void stop() {
        retransmitHandshake.stop();
        sendKeepalive.stop();
        newHandshake.stop();
        zeroKeyMaterial.stop();
        persistentKeepalive.stop();
    }

    private void expiredRetransmitHandshake() {
        boolean gaveUp;
        synchronized (this) {
            gaveUp = handshakeAttempts >= timing.maxHandshakeAttempts();
            if (!gaveUp) {
                handshakeAttempts++;
            }
        }
        if (gaveUp) {
            device.giveUpHandshake(peer);
            if (!zeroKeyMaterial.isPending()) {
                zeroKeyMaterial.mod(timing.rejectAfterTime() * 3);
            }
        } else {
            device.sendInitiation(peer, true);
        }
    }

    private void expiredSendKeepalive() {
        device.sendKeepalive(peer);
        synchronized (this) {
            if (needAnotherKeepalive) {
                needAnotherKeepalive = false;
                sendKeepalive.mod(timing.keepaliveTimeout());
            }
        }
    }

    private static long jitter() {
        return ThreadLocalRandom.current().nextLong(Protocol.REKEY_TIMEOUT_JITTER_MAX);
    }
}
