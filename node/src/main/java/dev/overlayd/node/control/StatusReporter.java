package dev.overlayd.node.control;

import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import dev.overlayd.noise.Clock;
import dev.overlayd.noise.PublicKey;
import dev.overlayd.noise.StaticIdentity;
import dev.overlayd.peers.Device;
import dev.overlayd.peers.Drop;
import dev.overlayd.peers.DropCounters;
import dev.overlayd.peers.Peer;
import dev.overlayd.peers.uapi.UapiValues;

/** The daemon's side of `overlayctl peers`: the device's state in the words the operator reads. */
public final class StatusReporter {
    private static final long SECOND = 1_000_000_000L;

    private final Device device;
    private final Function<PublicKey, PeerIdentity> identities;
    private final Clock clock;
    private final TrafficRates rates = new TrafficRates();

    /**
     * @param identities who a peer is, from the configuration or its certificate; null for unknown
     *                   (peers added through `wg`)
     */
    public StatusReporter(Device device, Function<PublicKey, PeerIdentity> identities, Clock clock) {
        this.device = device;
        this.identities = identities;
        this.clock = clock;
    }

    /** Takes one sample of every peer's counters; the daemon calls this about once a second. */
    public void sample() {
        long now = clock.nanoTime();
        List<Peer> peers = device.peers();
        for (Peer peer : peers) {
            rates.sample(peer.publicKey(), now, peer.rxBytes(), peer.txBytes());
        }
        rates.retain(peers.stream().map(Peer::publicKey).collect(Collectors.toSet()));
    }

    public InterfaceStatus status() {
        long now = clock.epochNanos();
        StaticIdentity id = device.identity();
        List<PeerStatus> peers = device.peers().stream().map(p -> status(p, now)).toList();
        return new InterfaceStatus(device.name(), id == null ? null : id.publicKey().toBase64(), device.listenPort(),
                nonZero(device.drops()), peers);
    }

    private PeerStatus status(Peer peer, long now) {
        long handshake = peer.lastHandshakeEpochNanos();
        InetSocketAddress endpoint = peer.endpoint();
        TrafficRates.Rate rate = rates.rate(peer.publicKey());
        PeerIdentity who = identities.apply(peer.publicKey());
        return new PeerStatus(who == null ? null : who.name(), who == null ? null : who.member(),
                who == null || who.certificateExpiry() == null ? null : who.certificateExpiry() - now / SECOND,
                peer.publicKey().toBase64(),
                endpoint == null ? null : UapiValues.formatEndpoint(endpoint),
                device.allowedIps(peer).stream().map(Object::toString).toList(),
                handshake == 0 ? null : handshake / SECOND,
                handshake == 0 ? null : Math.max(0, (now - handshake) / SECOND),
                peer.rxBytes(), peer.txBytes(), rate.rxBitsPerSecond(), rate.txBitsPerSecond(),
                nonZero(peer.drops()), Verdict.of(handshake, now));
    }

    private static Map<String, Long> nonZero(DropCounters counters) {
        Map<String, Long> drops = new LinkedHashMap<>();
        for (Drop drop : Drop.values()) {
            long n = counters.get(drop);
            if (n != 0) {
                drops.put(drop.name().toLowerCase(Locale.ROOT), n);
            }
        }
        return drops;
    }
}
