package dev.overlayd.node;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import dev.overlayd.node.config.ClusterConfig;
import dev.overlayd.node.config.WgQuickConfig;
import dev.overlayd.node.control.ControlProtocol;
import dev.overlayd.node.control.InterfaceStatus;
import dev.overlayd.node.control.PeerIdentity;
import dev.overlayd.node.control.StatusReporter;
import dev.overlayd.node.metrics.MetricsServer;
import dev.overlayd.node.metrics.NodeMetrics;
import dev.overlayd.noise.Clock;
import dev.overlayd.noise.Keypair;
import dev.overlayd.noise.Protocol;
import dev.overlayd.noise.PublicKey;
import dev.overlayd.peers.Device;
import dev.overlayd.peers.DeviceUapi;
import dev.overlayd.peers.LinuxBind;
import dev.overlayd.peers.Timing;
import dev.overlayd.peers.Warmup;
import dev.overlayd.peers.socket.UnixSocketServer;
import dev.overlayd.peers.uapi.UapiException;
import dev.overlayd.peers.uapi.UapiProtocol;
import dev.overlayd.tun.Link;
import dev.overlayd.tun.LinuxTun;
import dev.overlayd.tun.MtuWatch;

/**
 * A running overlayd: the TUN interface, the UDP port and the device between them, the UAPI socket
 * for `wg`, the control socket for `overlayctl`, the metrics (served over HTTP when asked), and in
 * cluster mode the membership and the plugins.
 * It runs as wireguard-go does ({@link #start(String, WgQuickConfig, InetSocketAddress)}: bare, or from a wg-quick-style
 * file) or as a member of a cluster ({@link #start(String, ClusterConfig, ClusterIdentity)}). It
 * stops when {@link #close}d; {@link #awaitStop} returns once its interface is deleted or its UAPI
 * socket is removed, when the caller is to close it.
 */
public final class Node implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Node.class.getName());
    /** Round trips of the start-up {@link Warmup}; 0 turns it off (a benchmark of the cold path). */
    public static final String WARMUP_PROPERTY = "overlayd.warmup";
    private static final int WARMUP_ROUND_TRIPS = 6000;
    private static final Duration WARMUP_BUDGET = Duration.ofSeconds(1);
    /** The members whose certificates expired are dropped this often, as no backend reports an expiry. */
    private static final long RECHECK_SECONDS = 10;

    /** The wg-quick file parsed but the device refused it, or an endpoint in it does not resolve: the file's fault. */
    public static final class ConfigRefused extends IOException {
        private static final long serialVersionUID = 1L;

        ConfigRefused(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final CountDownLatch stop = new CountDownLatch(1);
    /** What is open, the last opened first: closing runs it in that order. */
    private final Deque<AutoCloseable> opened = new ArrayDeque<>();
    private Device device;
    private StatusReporter status;
    private NodeMetrics metrics;
    private volatile ClusterNode cluster;
    private volatile NodeRevoked revoked;
    private boolean closed;

    private Node() {}

    /**
     * overlayd as wireguard-go: the interface and its sockets; configured from {@code wgQuick} unless
     * null (then `wg` does it); its metrics served on {@code metrics} unless null.
     */
    public static Node start(String interfaceName, WgQuickConfig wgQuick, InetSocketAddress metrics) throws IOException {
        Node node = new Node();
        try {
            node.run(interfaceName, wgQuick, null, null, metrics);
        } catch (IOException | RuntimeException e) {
            node.close();
            throw e;
        }
        return node;
    }

    /**
     * overlayd as a member of the cluster {@code config} describes, with its plugins, once it has
     * joined; its metrics served where {@code config.metrics()} says, if anywhere.
     */
    public static Node start(String interfaceName, ClusterConfig config, ClusterIdentity identity) throws IOException {
        Node node = new Node();
        try {
            node.run(interfaceName, null, config, identity, config.metrics());
        } catch (IOException | RuntimeException e) {
            node.close();
            throw e;
        }
        return node;
    }

    /**
     * Before the interface exists: nobody waits on a path that the JIT has not compiled yet. Only an
     * optimisation, so a warm-up that does not finish is said and the node starts cold: on a host
     * busy enough (a restart after a crash, among the containers' load) its first packet took more
     * than the warm-up's bound to cross, and a node that refused to start for that stayed down.
     */
    private static void warmUp() {
        int roundTrips = Integer.getInteger(WARMUP_PROPERTY, WARMUP_ROUND_TRIPS);
        if (roundTrips > 0) {
            try {
                Warmup.Result result = Warmup.run(roundTrips, WARMUP_BUDGET);
                LOG.fine(() -> "data path warmed up: " + result.roundTrips() + " round trips in " + result.took().toMillis() + " ms");
            } catch (IOException e) {
                LOG.warning("starting without the data path's warm-up: " + e.getMessage());
            }
        }
    }

    private void run(String interfaceName, WgQuickConfig wgQuick, ClusterConfig cluster, ClusterIdentity identity,
                     InetSocketAddress metricsAddress) throws IOException {
        warmUp();
        LinuxTun tun = LinuxTun.open(interfaceName);
        Device device = new Device(tun, new LinuxBind(), Clock.SYSTEM, Timing.fromEnvironment());
        this.device = device;
        opened.push(device);
        device.onTunGone(() -> stop("the interface was deleted"));
        DeviceUapi uapi = new DeviceUapi(device);
        UnixSocketServer server = UapiProtocol.server(tun.name(), uapi, () -> stop("the UAPI socket was removed"));
        opened.push(server);
        Link link = Link.of(tun.name());
        ControlProtocol control = new ControlProtocol();
        NodeMetrics metrics = new NodeMetrics(device, Clock.SYSTEM);
        this.metrics = metrics;
        ClusterNode node = null;
        if (cluster != null) {
            node = new ClusterNode(cluster, identity, device, control, metrics, ClusterNode.backend(cluster, identity, device),
                    revoked -> {
                        this.revoked = revoked;
                        stop("this node's certificate is revoked");
                    });
            this.cluster = node;
            link.addAddress(identity.certificate().address().getHostAddress() + "/" + identity.ca().overlay().bits());
        } else {
            for (String command : List.of("members", "host", "revoke")) {
                control.add(command, argument -> {
                    throw new IOException("not in cluster mode (started without an overlay.yaml)");
                });
            }
        }
        Map<PublicKey, String> names = wgQuick == null ? Map.of() : wgQuick.peerNames();
        status = new StatusReporter(device, node == null ? key -> PeerIdentity.named(names.get(key)) : node::peerIdentity,
                Clock.SYSTEM);
        StatusReporter reporter = status;
        control.add("peers", argument -> reporter.status());
        UnixSocketServer controlServer = ControlProtocol.server(ControlProtocol.DIRECTORY, tun.name(), control);
        opened.push(controlServer);
        // Bound before the node joins: a port that is taken stops the start before the cluster hears of it.
        if (metricsAddress != null) {
            MetricsServer metricsServer = MetricsServer.start(metricsAddress, metrics::scrape);
            opened.push(metricsServer);
            if (!metricsServer.address().getAddress().isLoopbackAddress()) {
                LOG.warning("metrics on " + metricsServer.address() + ", which is not a loopback address: whoever reaches it "
                        + "reads the node's peers, members and traffic (no authentication); keep it behind a firewall");
            }
        }
        ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name(tun.name() + "-rates").daemon().factory());
        opened.push(sampler::shutdownNow);
        int mtu = cluster != null ? cluster.mtu()
                : wgQuick != null && wgQuick.iface().mtu() != null ? wgQuick.iface().mtu() : Protocol.DEFAULT_MTU;
        device.setMtu(Math.min(mtu, Device.MAX_MTU));
        link.setMtu(mtu);
        opened.push(MtuWatch.start(tun.name(), changed -> followMtu(device, link, changed)));
        if (wgQuick != null) {
            try {
                uapi.apply(ConfigRequest.of(wgQuick));
            } catch (UnknownHostException e) {
                throw new ConfigRefused("cannot resolve endpoint " + e.getMessage(), e);
            } catch (UapiException e) {
                throw new ConfigRefused(e.getMessage(), e);
            }
        }
        device.up();
        if (wgQuick != null) {
            ConfigRequest.bringUp(link, wgQuick);
        }
        if (node != null) {
            link.setUp();
            // Closed before everything else: the plugins first, then the departure, while the device still sends it.
            opened.push(node);
            node.join();
            sampler.scheduleAtFixedRate(node::recheck, RECHECK_SECONDS, RECHECK_SECONDS, TimeUnit.SECONDS);
            sampler.scheduleAtFixedRate(node::recheckEndpoint, 1, 1, TimeUnit.SECONDS);
        }
        server.start();
        controlServer.start();
        sampler.scheduleAtFixedRate(reporter::sample, 0, 1, TimeUnit.SECONDS);
        LOG.info(tun.name() + ": up, UDP port " + device.listenPort());
    }

    /** The interface's name, as the kernel has it. */
    public String interfaceName() {
        return device.name();
    }

    /** The UDP port the device listens on. */
    public int listenPort() {
        return device.listenPort();
    }

    /**
     * The node's meters: node code registers its own on {@link NodeMetrics#registry()} (plugins get
     * it through their context).
     */
    public NodeMetrics metrics() {
        return metrics;
    }

    /** What `overlayctl peers` shows of this node. */
    public InterfaceStatus status() {
        return status.status();
    }

    /** What an operator's SIGHUP asks: the plugins reopen their files and read their certificates again. */
    public void reload() {
        if (cluster != null) {
            cluster.reload();
        }
    }

    /**
     * Returns once the node has a reason to stop (its interface deleted, its UAPI socket removed);
     * then close it. Throws when the reason is that its own certificate was revoked, which a
     * restart does not mend.
     */
    public void awaitStop() throws InterruptedException, NodeRevoked {
        stop.await();
        if (revoked != null) {
            throw revoked;
        }
    }

    /** Stops everything, in the reverse order of its start: the plugins, the departure from the cluster, the sockets, the device. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        while (!opened.isEmpty()) {
            try {
                opened.pop().close();
            } catch (Exception e) {
                LOG.log(Level.WARNING, "while stopping: " + e, e);
            }
        }
        stop.countDown();
    }

    /**
     * The interface's MTU as the kernel reports it, set by anyone (wg-quick, an operator) at any
     * time: the device pads for it. One that leaves no room in a UDP datagram for WireGuard's
     * overhead is brought down to the most that fits, as the kernel's WireGuard would refuse it.
     */
    private static void followMtu(Device device, Link link, int mtu) {
        if (mtu > Device.MAX_MTU) {
            LOG.info(link.name() + ": MTU " + mtu + " leaves no room in one UDP datagram for WireGuard's "
                    + Keypair.OVERHEAD + " bytes: setting " + Device.MAX_MTU);
            try {
                link.setMtu(Device.MAX_MTU);
            } catch (IOException e) {
                LOG.warning(link.name() + ": cannot lower the MTU: " + e.getMessage());
            }
        } else if (mtu != device.mtu()) {
            device.setMtu(mtu);
            LOG.info(link.name() + ": MTU " + mtu + ", as the interface now has it");
        }
    }

    private void stop(String why) {
        LOG.log(Level.INFO, "stopping: {0}", why);
        stop.countDown();
    }
}
