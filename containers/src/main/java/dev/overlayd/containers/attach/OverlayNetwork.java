package dev.overlayd.containers.attach;

import java.net.InetAddress;
import dev.overlayd.peers.IpPrefix;

/**
 * The Docker network that puts containers on the overlay: its name, the driver that serves it
 * (overlayd's own; tests may use Docker's bridge), the node's container subnet and the gateway,
 * the node's overlay address.
 */
public record OverlayNetwork(String name, String driver, IpPrefix subnet, InetAddress gateway) {}
