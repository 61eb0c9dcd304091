package dev.overlayd.containers.host;

import java.io.IOException;
import java.net.Inet4Address;
import java.util.Set;

/**
 * What the network driver needs of the host's networking: the forwarding and filter that let
 * containers reach the overlay and nothing more, and routed point-to-point veths, one per container.
 * Behind an interface so the driver's protocol can be tested without root.
 */
public interface HostNetwork {

    /**
     * Enables forwarding on the overlay interface only and (re)places overlayd's own filter, which
     * confines what containers' veths may send; where another firewall on the host (dockerd's
     * iptables) would drop the containers' overlay traffic, accepts exactly that there; idempotent.
     */
    void prepare() throws IOException;

    /** Creates the veth pair {@code hostEnd}/{@code containerEnd}, both ends with {@code mtu}; a leftover pair of that name is replaced. */
    void createVeth(String hostEnd, String containerEnd, int mtu) throws IOException;

    /**
     * Brings {@code hostEnd} up as a routed point-to-point link to {@code container}: its sysctls
     * (forwarding, proxy ARP, strict reverse-path filter) and a /32 route, and the accept of
     * {@link #prepare} checked again (dockerd may have started since); idempotent, so a restarted
     * driver can re-ensure what it finds.
     */
    void route(String hostEnd, Inet4Address container) throws IOException;

    /** Deletes the link (and with a veth, its peer and the route through it); a link that is already gone is no error. */
    void deleteLink(String name) throws IOException;

    /**
     * The veths of this namespace named {@code prefix} and 8 hex digits, as the driver names its
     * own: no other link (the overlay interface, an underlay veth) is ever taken for a container's.
     */
    Set<String> links(String prefix) throws IOException;

    /** Lets containers reach this node's {@code protocol} ({@code tcp}, {@code udp}) {@code port}; idempotent. */
    void offer(String protocol, int port) throws IOException;

    /** Takes an offer back; one not made is no error. */
    void withdraw(String protocol, int port) throws IOException;
}
