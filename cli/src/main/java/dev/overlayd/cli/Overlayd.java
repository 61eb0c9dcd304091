package dev.overlayd.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import dev.overlayd.cli.config.ClusterConfig;
import dev.overlayd.cli.config.ConfigException;
import dev.overlayd.cli.config.WgQuickConfig;
import dev.overlayd.cli.control.ControlProtocol;
import dev.overlayd.cli.control.PeerIdentity;
import dev.overlayd.cli.control.StatusReporter;
import dev.overlayd.noise.Clock;
import dev.overlayd.noise.Keypair;
import dev.overlayd.noise.Protocol;
import dev.overlayd.noise.PublicKey;
import dev.overlayd.membership.identity.CertificateRejected;
import dev.overlayd.membership.identity.IdentityException;
import dev.overlayd.peers.Device;
import dev.overlayd.peers.DeviceUapi;
import dev.overlayd.peers.LinuxBind;
import dev.overlayd.peers.Timing;
import dev.overlayd.peers.uapi.UapiException;
import dev.overlayd.peers.socket.UnixSocketServer;
import dev.overlayd.peers.uapi.UapiProtocol;
import dev.overlayd.tun.Link;
import dev.overlayd.tun.LinuxTun;
import dev.overlayd.tun.MtuWatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The daemon, a drop-in for wireguard-go: `overlayd [-f] IFNAME` creates the interface and serves
 * the UAPI for `wg`; `overlayd --config FILE` also brings it up from a wg-quick-style file. This
 * JVM always runs in the foreground: bin/overlayd backgrounds it when asked, as a JVM cannot fork.
 * It exits on SIGTERM, when its interface is deleted, or when its UAPI socket is removed.
 */
@Command(name = "overlayd", mixinStandardHelpOptions = true, version = "overlayd 0.1.0",
        description = "Userspace WireGuard-compatible overlay daemon.")
public final class Overlayd implements Callable<Integer> {
    private static final Logger LOG = Logger.getLogger(Overlayd.class.getName());

    @Option(names = {"-f", "--foreground"}, description = "Stay in the foreground (this process always does; accepted for wireguard-go compatibility).")
    boolean foreground;

    @Option(names = "--config", paramLabel = "FILE", description = "Bring the interface up from a wg-quick-style file (its name, minus .conf, names the interface unless IFNAME is given), or join a cluster as overlay.yaml says (a .yaml or .yml file).")
    Path config;

    @Parameters(arity = "0..1", paramLabel = "IFNAME", description = "The interface to create.")
    String interfaceName;

    private final CountDownLatch stop = new CountDownLatch(1);

    public static void main(String[] args) {
        CommandLine cli = new CommandLine(new Overlayd());
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("overlayd: " + e.getMessage());
            return 1;
        });
        System.exit(cli.execute(args));
    }

    @Override
    public Integer call() throws Exception {
        Logging.configure(System.getenv("LOG_LEVEL"));
        WgQuickConfig wgQuick = null;
        ClusterConfig cluster = null;
        ClusterNode.Identity identity = null;
        try {
            if (config != null && config.getFileName().toString().matches(".*\\.ya?ml$")) {
                cluster = ClusterConfig.parse(config);
                identity = ClusterNode.identity(cluster);
                if (interfaceName == null) {
                    interfaceName = cluster.interfaceName();
                }
            } else if (config != null) {
                wgQuick = WgQuickConfig.parse(config);
                if (interfaceName == null) {
                    interfaceName = config.getFileName().toString().replaceFirst("\\.conf$", "");
                }
            }
        } catch (ConfigException | IdentityException | CertificateRejected e) {
            System.err.println("overlayd: " + e.getMessage());
            return 1;
        }
        if (interfaceName == null) {
            System.err.println("overlayd: name the interface (overlayd [-f] IFNAME) or give --config FILE");
            return 1;
        }
        return run(wgQuick, cluster, identity);
    }

    private int run(WgQuickConfig wgQuick, ClusterConfig cluster, ClusterNode.Identity identity)
            throws IOException, InterruptedException {
        LinuxTun tun = LinuxTun.open(interfaceName);
        LinuxBind bind = new LinuxBind();
        Device device = new Device(tun, bind, Clock.SYSTEM, Timing.fromEnvironment());
        device.onTunGone(() -> shutdown("the interface was deleted"));
        DeviceUapi uapi = new DeviceUapi(device);
        UnixSocketServer server = UapiProtocol.server(tun.name(), uapi, () -> shutdown("the UAPI socket was removed"));
        Link link = Link.of(tun.name());
        ClusterNode node = cluster == null ? null : ClusterNode.create(cluster, identity, device, link);
        Map<PublicKey, String> names = wgQuick == null ? Map.of() : wgQuick.peerNames();
        StatusReporter status = new StatusReporter(device,
                node == null ? key -> PeerIdentity.named(names.get(key)) : node::peerIdentity, Clock.SYSTEM);
        UnixSocketServer control = ControlProtocol.server(tun.name(), status, node);
        ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name(tun.name() + "-rates").daemon().factory());
        int mtu = cluster != null ? cluster.mtu() : wgQuick != null && wgQuick.iface().mtu() != null ? wgQuick.iface().mtu() : Protocol.DEFAULT_MTU;
        device.setMtu(Math.min(mtu, Device.MAX_MTU));
        link.setMtu(mtu);
        MtuWatch mtuWatch = MtuWatch.start(tun.name(), changed -> followMtu(device, link, changed));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (node != null) {
                node.close();
            }
            mtuWatch.close();
            sampler.shutdownNow();
            control.close();
            server.close();
            device.close();
        }, "overlayd-shutdown"));
        if (wgQuick != null) {
            try {
                uapi.apply(ConfigRequest.of(wgQuick));
            } catch (java.net.UnknownHostException e) {
                System.err.println("overlayd: " + config.getFileName() + ": cannot resolve endpoint " + e.getMessage());
                return 1;
            } catch (UapiException e) {
                System.err.println("overlayd: " + config.getFileName() + ": " + e.getMessage());
                return 1;
            }
        }
        device.up();
        if (wgQuick != null) {
            ConfigRequest.bringUp(link, wgQuick);
        }
        if (node != null) {
            link.setUp();
            node.join(device);
            sampler.scheduleAtFixedRate(node.peers::recheck, 10, 10, TimeUnit.SECONDS);
        }
        server.start();
        control.start();
        sampler.scheduleAtFixedRate(status::sample, 0, 1, TimeUnit.SECONDS);
        LOG.info(tun.name() + ": up, UDP port " + device.listenPort());
        stop.await();
        return 0;
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

    private void shutdown(String why) {
        LOG.log(Level.INFO, "stopping: {0}", why);
        stop.countDown();
    }
}
