package dev.overlayd.node.metrics;

import java.io.IOException;
import java.io.OutputStream;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;
import dev.overlayd.noise.Clock;
import dev.overlayd.noise.PublicKey;
import dev.overlayd.peers.Device;
import dev.overlayd.peers.Drop;
import dev.overlayd.peers.Peer;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/**
 * The node's meters, in the one registry that {@code GET /metrics} serves: the device's peers (bytes
 * each way, the age of the last handshake) and drops, in cluster mode the members by state and the
 * membership backend's drops, and every plugin's own (each through {@code PluginContext.metrics()}).
 * They read the counts the device and the backends keep anyway ({@link FunctionCounter}s and
 * {@link Gauge}s): nothing is counted twice, and nothing is counted on the data path for them. Peers
 * come and go through the UAPI as well as the membership, so their meters follow the device's peers
 * at each {@link #scrape}. The registry exists whether or not the endpoint is on.
 *
 * <p>Node code with meters of its own registers them on {@link #registry()}, named as Micrometer
 * names them: the enrolment's {@code Counter.builder("overlayd.enrolments").tag("result", "accepted")
 * .register(metrics.registry()).increment()} is {@code overlayd_enrolments_total{result="accepted"}}.
 */
public final class NodeMetrics {
    /** The states of {@code overlayd_members}: what {@link #cluster}'s member counts are keyed by. */
    public static final List<String> MEMBER_STATES = List.of("self", "peer", "waiting", "refused");

    /** One for both layers: Prometheus has one HELP per name, and Micrometer writes none when its meters' differ. */
    private static final String DROPS_DESCRIPTION = "What was dropped, by why: packets by the device (layer=device, "
            + "peers' included), records and messages by the membership backend (layer=membership), enrolment "
            + "messages by an issuing member (layer=enrolment)";
    /** What an issuing member's enrolment counts that is an outcome rather than a drop. */
    public static final List<String> ENROLMENT_RESULTS = List.of("issued", "renewed", "refused", "redirected");

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Device device;
    private final Clock clock;
    /** A peer's label: its member name in cluster mode ({@link #cluster}), its public key in base64 otherwise. */
    private Function<PublicKey, String> names = key -> null;
    /** The meters of each peer, under the label they were registered with. */
    private final Map<PublicKey, PeerMeters> peers = new HashMap<>();
    /** The drop counts by layer, whose reasons may first appear at any time. Held here: a FunctionCounter holds what it reads only weakly. */
    private final Map<String, Supplier<Map<String, Long>>> dropLayers = new HashMap<>();
    /** "layer reason", for each drop meter registered. */
    private final Set<String> dropReasons = new HashSet<>();

    private record PeerMeters(String label, List<Meter> meters) {}

    public NodeMetrics(Device device, Clock clock) {
        this.device = device;
        this.clock = clock;
        for (Drop drop : Drop.values()) {
            FunctionCounter.builder("overlayd.drops", device.drops(), counters -> counters.get(drop))
                    .description(DROPS_DESCRIPTION)
                    .tag("layer", "device").tag("reason", drop.name().toLowerCase(Locale.ROOT))
                    .register(registry);
        }
        Gauge.builder("overlayd.peers", device, d -> d.peers().size())
                .description("The device's peers")
                .register(registry);
    }

    /** Where node code and plugins register their meters. */
    public MeterRegistry registry() {
        return registry;
    }

    /**
     * Cluster mode: peers labelled by {@code names} (a member's name; null for a key no member holds,
     * labelled by the key), {@code overlayd_members{state}} from {@code members} (a count for each of
     * {@link #MEMBER_STATES}) and {@code overlayd_drops_total{layer="membership",reason}} from the
     * backend's counts, whose reasons may first appear at any time (etcd's do).
     */
    public synchronized void cluster(Function<PublicKey, String> names, Supplier<Map<String, Long>> members,
                                     Supplier<Map<String, Long>> drops) {
        this.names = names;
        for (String state : MEMBER_STATES) {
            Gauge.builder("overlayd.members", () -> members.get().getOrDefault(state, 0L))
                    .description("The cluster's members as this node sees them: itself, its peers, those waiting for "
                            + "an overlap to go, those refused")
                    .tag("state", state)
                    .register(registry);
        }
        dropLayers.put("membership", drops);
        refresh();
    }

    /**
     * Enrolment: {@code overlayd_enrolments_total{result}} (certificates issued and renewed, tokens
     * refused, on an issuing member; newcomers pointed to the member they ask for, on any) and the rest of the enrolment's counts as {@code overlayd_drops_total{layer="enrolment"}}.
     */
    public synchronized void enrolments(Supplier<Map<String, Long>> counts) {
        for (String result : ENROLMENT_RESULTS) {
            FunctionCounter.builder("overlayd.enrolments", counts, c -> c.get().getOrDefault(result, 0L))
                    .description("Enrolment on this member: certificates issued to new nodes and renewed, tokens "
                            + "refused (unknown, expired, used up, revoked, or a wrong secret), newcomers redirected to their issuer")
                    .tag("result", result)
                    .register(registry);
        }
        Supplier<Map<String, Long>> drops = () -> {
            Map<String, Long> all = new HashMap<>(counts.get());
            all.keySet().removeAll(ENROLMENT_RESULTS);
            return all;
        };
        dropLayers.put("enrolment", drops);
        refresh();
    }

    /** The meters in Prometheus' text format, the peers' and the backend's drop reasons brought up to date first. */
    public void scrape(OutputStream out, String contentType) throws IOException {
        refresh();
        registry.scrape(out, contentType);
    }

    /** Registers the meters of new peers and of new membership drop reasons; removes those of gone peers. */
    synchronized void refresh() {
        Map<PublicKey, Peer> now = new HashMap<>();
        for (Peer peer : device.peers()) {
            now.put(peer.publicKey(), peer);
        }
        peers.entrySet().removeIf(e -> {
            Peer peer = now.get(e.getKey());
            boolean gone = peer == null || !e.getValue().label().equals(label(peer));
            if (gone) {
                e.getValue().meters().forEach(registry::remove);
            }
            return gone;
        });
        now.forEach((key, peer) -> peers.computeIfAbsent(key, k -> register(peer)));
        dropLayers.forEach((layer, drops) -> {
            for (String reason : drops.get().keySet()) {
                if (dropReasons.add(layer + " " + reason)) {
                    FunctionCounter.builder("overlayd.drops", drops, d -> d.get().getOrDefault(reason, 0L))
                            .description(DROPS_DESCRIPTION)
                            .tag("layer", layer).tag("reason", reason)
                            .register(registry);
                }
            }
        });
    }

    private String label(Peer peer) {
        String name = names.apply(peer.publicKey());
        return name != null ? name : peer.publicKey().toBase64();
    }

    private PeerMeters register(Peer peer) {
        String label = label(peer);
        return new PeerMeters(label, List.of(
                peerCounter("overlayd.peer.receive.bytes", peer, Peer::rxBytes, label,
                        "Bytes received from the peer, WireGuard's count (as wg show's transfer)"),
                peerCounter("overlayd.peer.transmit.bytes", peer, Peer::txBytes, label,
                        "Bytes sent to the peer, WireGuard's count (as wg show's transfer)"),
                peerCounter("overlayd.peer.receive.packets", peer, Peer::rxPackets, label,
                        "Datagrams received from the peer (data, keepalives, handshakes)"),
                peerCounter("overlayd.peer.transmit.packets", peer, Peer::txPackets, label,
                        "Datagrams sent to the peer (data, keepalives, handshakes)"),
                Gauge.builder("overlayd.peer.last.handshake.age", peer, this::handshakeAge)
                        .description("Seconds since the last completed handshake with the peer; +Inf for never")
                        .baseUnit("seconds")
                        .tag("peer", label).register(registry)));
    }

    private Meter peerCounter(String name, Peer peer, ToDoubleFunction<Peer> count, String label, String description) {
        return FunctionCounter.builder(name, peer, count).description(description).tag("peer", label).register(registry);
    }

    private double handshakeAge(Peer peer) {
        long at = peer.lastHandshakeEpochNanos();
        return at == 0 ? Double.POSITIVE_INFINITY : Math.max(0, clock.epochNanos() - at) / 1e9;
    }
}
