package dev.overlayd.peers;

import java.io.IOException;
import java.util.List;
import dev.overlayd.noise.PrivateKey;
import dev.overlayd.noise.StaticIdentity;
import dev.overlayd.peers.uapi.AllowedIpChange;
import dev.overlayd.peers.uapi.DeviceSnapshot;
import dev.overlayd.peers.uapi.Errno;
import dev.overlayd.peers.uapi.PeerChange;
import dev.overlayd.peers.uapi.PeerSnapshot;
import dev.overlayd.peers.uapi.SetRequest;
import dev.overlayd.peers.uapi.UapiDevice;
import dev.overlayd.peers.uapi.UapiException;

/** The device as the UAPI sees it: `wg` reads it through snapshots and changes it through set requests. */
public final class DeviceUapi implements UapiDevice {
    private final Device device;

    public DeviceUapi(Device device) {
        this.device = device;
    }

    @Override
    public synchronized DeviceSnapshot snapshot() {
        StaticIdentity id = device.identity();
        List<PeerSnapshot> peers = device.peers().stream()
                .map(p -> new PeerSnapshot(p.publicKey, p.handshake.presharedKey(), p.endpoint(),
                        p.lastHandshakeEpochNanos, p.txBytes.get(), p.rxBytes.get(), p.persistentKeepaliveSeconds,
                        device.allowedIps(p)))
                .toList();
        // A copy: a key change wipes the old key, maybe while this snapshot is being printed.
        return new DeviceSnapshot(id == null ? null : PrivateKey.of(id.privateKey().bytes()), device.listenPort(), 0, peers);
    }

    /**
     * Applies the request; the listen port goes first because it is the one thing that can fail,
     * so a taken port leaves everything else as it was.
     */
    @Override
    public synchronized void apply(SetRequest request) throws UapiException {
        if (request.fwmark() != null && request.fwmark() != 0) {
            throw new UapiException(Errno.EINVAL, "overlayd does not support fwmark");
        }
        StaticIdentity id = device.identity();
        PrivateKey current = id == null ? null : id.privateKey();
        SetRequest r = request.ignoringOwnKey(current);
        if (r.listenPort() != null) {
            try {
                device.setListenPort(r.listenPort());
            } catch (IOException e) {
                throw new UapiException(Errno.EADDRINUSE, e.getMessage(), e);
            }
        }
        if (r.privateKey() != null) {
            device.setPrivateKey(r.privateKey());
        }
        if (r.replacePeers()) {
            device.removeAllPeers();
        }
        for (PeerChange change : r.peers()) {
            apply(change);
        }
    }

    private void apply(PeerChange change) {
        if (change.remove()) {
            device.removePeer(change.publicKey());
            return;
        }
        Peer peer = device.peer(change.publicKey());
        if (peer == null) {
            if (change.updateOnly()) {
                return;
            }
            peer = device.addPeer(change.publicKey());
            if (peer == null) {
                return;
            }
        }
        if (change.presharedKey() != null) {
            device.setPresharedKey(peer, change.presharedKey());
        }
        if (change.endpoint() != null) {
            device.setEndpoint(peer, change.endpoint());
        }
        if (change.replaceAllowedIps()) {
            device.clearAllowedIps(peer);
        }
        for (AllowedIpChange ip : change.allowedIps()) {
            if (ip.remove()) {
                device.removeAllowedIp(peer, ip.prefix());
            } else {
                device.addAllowedIp(peer, ip.prefix());
            }
        }
        if (change.persistentKeepaliveSeconds() != null) {
            device.setPersistentKeepalive(peer, change.persistentKeepaliveSeconds());
        }
    }
}
