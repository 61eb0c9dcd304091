package dev.overlayd.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import dev.overlayd.node.control.ClusterStatus;
import dev.overlayd.cli.control.ControlClient;
import dev.overlayd.cli.control.ControlException;
import dev.overlayd.node.control.MemberStatus;
import dev.overlayd.membership.identity.NodeCertificate;
import dev.overlayd.noise.PrivateKey;
import dev.overlayd.peers.IpPrefix;
import dev.overlayd.peers.HostPort;
import com.google.common.net.InetAddresses;

/**
 * A static host's wg-quick configuration: its key, its overlay address alone (the overlay claims
 * no more of the host's routing than the nodes' prefixes), the port of its certified endpoint, and
 * one peer per cluster node with the node's address and container subnet.
 */
final class StaticHostConfig {
    private StaticHostConfig() {}

    /**
     * Publishes the host through the node serving interface {@code via}, then prints its configuration
     * with the cluster as that node sees it; returns that cluster.
     */
    static ClusterStatus publish(ControlClient client, String via, NodeCertificate host, PrivateKey key,
            PrintWriter out) throws ControlException {
        ClusterStatus cluster = client.host(via, host.encoded());
        out.print(render(cluster, host, key, via));
        out.flush();
        return cluster;
    }

    static String render(ClusterStatus cluster, NodeCertificate host, PrivateKey key, String via) {
        StringBuilder out = new StringBuilder();
        out.append("# wg-quick configuration of ").append(host.name()).append(", a static host of cluster ")
                .append(cluster.cluster()).append(" (overlay ").append(cluster.overlay()).append(").\n");
        out.append("# Its peers are the cluster's nodes as ").append(via).append(" saw them now; when nodes come and go,\n");
        out.append("# print it again with `overlayctl host config ").append(host.name()).append(".crt --key ")
                .append(host.name()).append(".key`.\n");
        out.append("[Interface]\n");
        out.append("PrivateKey = ").append(key.toBase64()).append('\n');
        out.append("Address = ").append(InetAddresses.toAddrString(host.address())).append("/32\n");
        host.endpoint().ifPresent(e -> out.append("ListenPort = ").append(HostPort.parse(e).port()).append('\n'));
        for (MemberStatus m : cluster.members()) {
            if (!"node".equals(m.kind())) {
                continue;
            }
            out.append("\n[Peer]\n# Name = ").append(m.name()).append('\n');
            out.append("PublicKey = ").append(m.publicKey()).append('\n');
            if (m.endpoint() != null) {
                out.append("Endpoint = ").append(m.endpoint()).append('\n');
            }
            out.append("AllowedIPs = ").append(String.join(", ", allowedIps(m))).append('\n');
        }
        return out.toString();
    }

    /** The node's subnet, and its address when outside it: what the cluster routes to the node. */
    private static List<String> allowedIps(MemberStatus m) {
        IpPrefix subnet = IpPrefix.parse(m.subnet());
        List<String> ips = new ArrayList<>();
        if (!subnet.contains(InetAddresses.forString(m.address()).getAddress())) {
            ips.add(m.address() + "/32");
        }
        ips.add(subnet.toString());
        return ips;
    }
}
