package dev.overlayd.containers.host;

import java.util.regex.Pattern;

/**
 * overlayd's own nftables table for one overlay interface, which confines containers: their veths
 * (named {@value #VETH_PATTERN}) may forward only to the overlay interface or to each other, the
 * overlay interface only to them; a container may not send from an address that is not its own
 * (strict reverse-path check, whatever the host's rp_filter defaults); and of this node itself a
 * container reaches ICMP, replies to what the node started, and the ports in the set
 * {@value #OFFERED_SET} (empty until a plugin offers one, e.g. DNS). Other tables and chains are not
 * touched; the table is replaced in one transaction.
 */
final class ContainerFilter {
    static final String VETH_PREFIX = "ovc";
    static final String VETH_PATTERN = VETH_PREFIX + "*";
    /** Ports of this node offered to containers, as {@code protocol . port} (e.g. {@code udp . 53}). */
    static final String OFFERED_SET = "offered_to_containers";
    private static final Pattern INTERFACE = Pattern.compile("[A-Za-z0-9_.-]{1,15}");

    private ContainerFilter() {}

    /** The table's name, such as {@code overlayd_ovt1}: an nft identifier made from the interface name. */
    static String tableName(String overlayInterface) {
        return "overlayd_" + checked(overlayInterface).replace('.', '_').replace('-', '_');
    }

    /** An {@code nft -f} script that creates or atomically replaces the table. */
    static String ruleset(String overlayInterface) {
        String overlay = checked(overlayInterface);
        String table = "inet " + tableName(overlay);
        return """
                table %1$s
                delete table %1$s
                table %1$s {
                    set %2$s {
                        type inet_proto . inet_service
                    }
                    chain prerouting {
                        type filter hook prerouting priority raw; policy accept;
                        iifname "%3$s" meta nfproto ipv4 fib saddr . iif oif missing counter drop comment "spoofed source"
                    }
                    chain input {
                        type filter hook input priority filter; policy accept;
                        iifname "%3$s" jump from_container
                    }
                    chain from_container {
                        ct state established,related accept
                        meta l4proto { icmp, ipv6-icmp } accept
                        meta l4proto . th dport @%2$s accept
                        counter drop comment "node port not offered to containers"
                    }
                    chain forward {
                        type filter hook forward priority filter; policy accept;
                        iifname "%3$s" oifname "%3$s" accept
                        iifname "%3$s" oifname "%4$s" accept
                        iifname "%3$s" counter drop comment "container to elsewhere"
                        iifname "%4$s" oifname "%3$s" accept
                        iifname "%4$s" counter drop comment "overlay to elsewhere"
                    }
                }
                """.formatted(table, OFFERED_SET, VETH_PATTERN, overlay);
    }

    private static String checked(String name) {
        if (!INTERFACE.matcher(name).matches()) {
            throw new IllegalArgumentException("overlay interface name must be 1 to 15 of A-Z a-z 0-9 _ . -: " + name);
        }
        return name;
    }
}
