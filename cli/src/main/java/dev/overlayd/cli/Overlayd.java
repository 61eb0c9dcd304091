package dev.overlayd.cli;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import dev.overlayd.membership.identity.CertificateRejected;
import dev.overlayd.membership.identity.IdentityException;
import dev.overlayd.membership.enrolment.EnrolmentFailed;
import dev.overlayd.node.ClusterIdentity;
import dev.overlayd.node.Node;
import dev.overlayd.node.NodeRevoked;
import dev.overlayd.node.config.ClusterConfig;
import dev.overlayd.node.config.ConfigException;
import dev.overlayd.node.config.WgQuickConfig;
import dev.overlayd.node.metrics.MetricsAddress;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import sun.misc.Signal;

/**
 * The daemon, a drop-in for wireguard-go: `overlayd [-f] IFNAME` creates the interface and serves
 * the UAPI for `wg`; `overlayd --config FILE` also brings it up from a wg-quick-style file, or joins
 * a cluster as an overlay.yaml says. This class only reads the arguments and the file; the {@link
 * Node} runs. This JVM always runs in the foreground: bin/overlayd backgrounds it when asked, as a
 * JVM cannot fork. It exits on SIGTERM, when its interface is deleted, or when its UAPI socket is removed;
 * with {@link NodeRevoked#EXIT_STATUS} when its own certificate is revoked.
 * Outside cluster mode, {@code OVERLAYD_METRICS=ADDRESS:PORT} serves its metrics (overlay.yaml says so in it).
 */
@Command(name = "overlayd", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = "Userspace WireGuard-compatible overlay daemon.")
public final class Overlayd implements Callable<Integer> {
    /** Where to serve GET /metrics outside cluster mode (overlay.yaml's metrics.listen in it), as address:port. */
    static final String METRICS_VARIABLE = "OVERLAYD_METRICS";

    @Option(names = {"-f", "--foreground"}, description = "Stay in the foreground (this process always does; accepted for wireguard-go compatibility).")
    boolean foreground;

    @Option(names = "--config", paramLabel = "FILE", description = "Bring the interface up from a wg-quick-style file (its name, minus .conf, names the interface unless IFNAME is given), or join a cluster as overlay.yaml says (a .yaml or .yml file).")
    Path config;

    @Parameters(arity = "0..1", paramLabel = "IFNAME", description = "The interface to create.")
    String interfaceName;

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
        ClusterIdentity identity = null;
        InetSocketAddress metrics = null;
        String metricsVariable = System.getenv(METRICS_VARIABLE);
        try {
            if (config != null && config.getFileName().toString().matches(".*\\.ya?ml$")) {
                cluster = ClusterConfig.parse(config);
                identity = ClusterIdentity.obtain(cluster);
                if (interfaceName == null) {
                    interfaceName = cluster.interfaceName();
                }
            } else if (config != null) {
                wgQuick = WgQuickConfig.parse(config);
                if (interfaceName == null) {
                    interfaceName = config.getFileName().toString().replaceFirst("\\.conf$", "");
                }
            }
        } catch (ConfigException | IdentityException | CertificateRejected | EnrolmentFailed e) {
            System.err.println("overlayd: " + e.getMessage());
            return 1;
        } catch (NodeRevoked e) {
            System.err.println("overlayd: " + e.getMessage());
            return NodeRevoked.EXIT_STATUS;
        }
        if (metricsVariable != null && !metricsVariable.isBlank()) {
            if (cluster != null) {
                System.err.println("overlayd: " + METRICS_VARIABLE + " is for wg-quick mode: in cluster mode set metrics.listen in "
                        + config.getFileName() + " (metrics: {listen: " + metricsVariable.strip() + "})");
                return 1;
            }
            try {
                metrics = MetricsAddress.parse(metricsVariable);
            } catch (IllegalArgumentException e) {
                System.err.println("overlayd: " + METRICS_VARIABLE + ": " + e.getMessage());
                return 1;
            }
        }
        if (interfaceName == null) {
            System.err.println("overlayd: name the interface (overlayd [-f] IFNAME) or give --config FILE");
            return 1;
        }
        Node node;
        try {
            node = cluster != null ? Node.start(interfaceName, cluster, identity) : Node.start(interfaceName, wgQuick, metrics);
        } catch (Node.ConfigRefused e) {
            System.err.println("overlayd: " + config.getFileName() + ": " + e.getMessage());
            return 1;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(node::close, "overlayd-shutdown"));
        // logrotate and certificate renewals send SIGHUP; unhandled, it would stop the daemon.
        Signal.handle(new Signal("HUP"), signal -> node.reload());
        try {
            node.awaitStop();
        } catch (NodeRevoked e) {
            System.err.println("overlayd: " + e.getMessage());
            return NodeRevoked.EXIT_STATUS;
        }
        return 0;
    }
}
