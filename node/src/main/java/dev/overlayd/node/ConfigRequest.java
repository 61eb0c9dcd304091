package dev.overlayd.node;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Logger;
import dev.overlayd.node.config.WgQuickConfig;
import dev.overlayd.peers.IpPrefix;
import dev.overlayd.peers.uapi.AllowedIpChange;
import dev.overlayd.peers.uapi.PeerChange;
import dev.overlayd.peers.uapi.SetRequest;
import dev.overlayd.tun.Link;

/**
 * A wg-quick-style file applied as `wg setconf` would (one set request), and the interface brought up
 * as wg-quick would, except that only the peers' own prefixes get routes: overlayd never takes the
 * default route, so a /0 in AllowedIPs is cryptokey routing only.
 */
final class ConfigRequest {
    private static final Logger LOG = Logger.getLogger(ConfigRequest.class.getName());

    private ConfigRequest() {}

    static SetRequest of(WgQuickConfig config) throws UnknownHostException {
        List<PeerChange> peers = new ArrayList<>();
        for (WgQuickConfig.PeerConfig peer : config.peers()) {
            InetSocketAddress endpoint = peer.endpoint() == null ? null
                    : new InetSocketAddress(InetAddress.getByName(peer.endpointHost()), peer.endpointPort());
            peers.add(new PeerChange(peer.publicKey(), false, false, peer.presharedKey(), endpoint,
                    peer.persistentKeepalive(), true, peer.allowedIps().stream().map(AllowedIpChange::add).toList()));
        }
        return new SetRequest(config.iface().privateKey(), config.iface().listenPort(), null, true, peers);
    }

    static void bringUp(Link link, WgQuickConfig config) throws IOException {
        for (WgQuickConfig.InterfaceAddress address : config.iface().addresses()) {
            link.addAddress(address.toString());
        }
        link.setUp();
        List<IpPrefix> connected = config.iface().addresses().stream().map(WgQuickConfig.InterfaceAddress::network).toList();
        for (WgQuickConfig.PeerConfig peer : config.peers()) {
            for (IpPrefix prefix : peer.allowedIps()) {
                if (prefix.bits() == 0) {
                    LOG.warning(link.name() + ": no route for " + prefix + ": overlayd never takes the default route");
                } else if (!connected.contains(prefix)) {
                    link.addRoute(prefix.toString());
                }
            }
        }
    }
}
