package dev.overlayd.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import dev.overlayd.node.control.Durations;
import dev.overlayd.node.control.InterfaceStatus;
import dev.overlayd.node.control.PeerStatus;
import dev.overlayd.node.control.Verdict;

/**
 * `overlayctl peers` for people: one table row per peer, the verdict last and, on a terminal, in
 * colour. In cluster mode two columns more: what each peer is and when its certificate expires.
 */
final class PeersTable {
    private static final String[] HEADER =
            {"PEER", "PUBLIC KEY", "ENDPOINT", "ALLOWED IPS", "HANDSHAKE", "RECEIVED", "SENT", "DROPS", "STATUS"};
    private static final String[] CLUSTER_HEADER = {"PEER", "MEMBER", "CERTIFICATE", "PUBLIC KEY", "ENDPOINT",
        "ALLOWED IPS", "HANDSHAKE", "RECEIVED", "SENT", "DROPS", "STATUS"};
    private static final String RESET = "\u001b[0m";
    private static final String BOLD = "\u001b[1m";
    private static final String GREEN = "\u001b[32m";
    private static final String YELLOW = "\u001b[33m";
    private static final String RED = "\u001b[31m";

    private final boolean colour;

    PeersTable(boolean colour) {
        this.colour = colour;
    }

    String render(List<InterfaceStatus> interfaces) {
        StringBuilder out = new StringBuilder();
        for (InterfaceStatus status : interfaces) {
            if (!out.isEmpty()) {
                out.append('\n');
            }
            render(status, out);
        }
        return out.toString();
    }

    private void render(InterfaceStatus status, StringBuilder out) {
        out.append(paint(BOLD, "interface " + status.name())).append(": ")
                .append(status.publicKey() == null ? "no private key" : "public key " + status.publicKey())
                .append(", port ").append(status.listenPort())
                .append(", ").append(status.peers().size()).append(status.peers().size() == 1 ? " peer" : " peers")
                .append('\n');
        if (!status.drops().isEmpty()) {
            out.append("drops: ").append(drops(status.drops())).append('\n');
        }
        if (status.peers().isEmpty()) {
            return;
        }
        boolean cluster = status.peers().stream().anyMatch(p -> p.member() != null);
        String[] header = cluster ? CLUSTER_HEADER : HEADER;
        List<String[]> rows = new ArrayList<>();
        rows.add(header);
        for (PeerStatus peer : status.peers()) {
            rows.add(cluster ? clusterRow(peer) : row(peer));
        }
        int[] widths = Columns.widths(rows);
        out.append('\n');
        for (int r = 0; r < rows.size(); r++) {
            String[] row = rows.get(r);
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.length; i++) {
                boolean last = i == row.length - 1;
                String cell = last ? row[i] : pad(row[i], widths[i]) + "  ";
                // Padding first: escape codes take no columns on screen but would count here.
                line.append(r == 0 ? paint(BOLD, cell) : last ? paint(verdictColour(row[i]), cell) : cell);
            }
            out.append(line.toString().stripTrailing()).append('\n');
        }
        if (cluster) {
            out.append("\nallowed IPs of a node: its container subnet (from its certificate; the node's overlay address and "
                    + "its containers' addresses are in it), routed to it through the tunnel\n");
        }
        List<PeerStatus> dropping = status.peers().stream().filter(p -> !p.drops().isEmpty()).toList();
        if (!dropping.isEmpty()) {
            out.append('\n');
            for (PeerStatus peer : dropping) {
                out.append("drops from ").append(label(peer)).append(": ").append(drops(peer.drops())).append('\n');
            }
        }
    }

    private static String[] row(PeerStatus peer) {
        return new String[] {
            peer.name() == null ? "-" : peer.name(),
            peer.publicKey(),
            peer.endpoint() == null ? "(none)" : peer.endpoint(),
            peer.allowedIps().isEmpty() ? "(none)" : String.join(",", peer.allowedIps()),
            peer.secondsSinceHandshake() == null ? "never" : Durations.fine(peer.secondsSinceHandshake()) + " ago",
            traffic(peer.rxBytes(), peer.rxBitsPerSecond()),
            traffic(peer.txBytes(), peer.txBitsPerSecond()),
            String.valueOf(peer.drops().values().stream().mapToLong(Long::longValue).sum()),
            peer.verdict(),
        };
    }

    /** The plain row with the member's kind and certificate expiry after its name. */
    private static String[] clusterRow(PeerStatus peer) {
        String[] plain = row(peer);
        String[] row = new String[plain.length + 2];
        row[0] = plain[0];
        row[1] = peer.member() == null ? "-" : peer.member();
        row[2] = expiry(peer.certificateExpiresIn());
        System.arraycopy(plain, 1, row, 3, plain.length - 1);
        return row;
    }

    private static String expiry(Long secondsLeft) {
        if (secondsLeft == null) {
            return "-";
        }
        return secondsLeft >= 0 ? "expires in " + Durations.coarse(secondsLeft)
                : "expired " + Durations.coarse(-secondsLeft) + " ago";
    }

    private static String label(PeerStatus peer) {
        return peer.name() != null ? peer.name() : peer.publicKey();
    }

    private static String traffic(long bytes, long bitsPerSecond) {
        return bitsPerSecond == 0 ? bytes(bytes) : bytes(bytes) + " (" + bits(bitsPerSecond) + ")";
    }

    /** As `wg show` writes transfer: binary units with two decimals. */
    static String bytes(long n) {
        return n < 1024 ? n + " B" : scaled(n, 1024, new String[] {"KiB", "MiB", "GiB", "TiB"}, "%.2f %s");
    }

    /** Rates as network people say them: decimal bits per second. */
    static String bits(long n) {
        return n < 1000 ? n + " bit/s" : scaled(n, 1000, new String[] {"kbit/s", "Mbit/s", "Gbit/s"}, null);
    }

    /** n in the largest unit it reaches; a null format means one decimal below 10 and none above. */
    private static String scaled(long n, int base, String[] units, String format) {
        double v = n;
        int unit = -1;
        while (v >= base && unit < units.length - 1) {
            v /= base;
            unit++;
        }
        String f = format != null ? format : v < 10 ? "%.1f %s" : "%.0f %s";
        return String.format(Locale.ROOT, f, v, units[unit]);
    }

    private static String drops(Map<String, Long> drops) {
        return drops.entrySet().stream()
                .map(e -> e.getValue() + " " + e.getKey().replace('_', ' '))
                .collect(Collectors.joining(", "));
    }

    private static String verdictColour(String verdict) {
        if (verdict.equals(Verdict.HEALTHY)) {
            return GREEN;
        }
        return verdict.equals(Verdict.NEVER_CONNECTED) ? RED : YELLOW;
    }

    private static String pad(String s, int width) {
        return s + " ".repeat(width - s.length());
    }

    private String paint(String code, String text) {
        return colour ? code + text + RESET : text;
    }
}
