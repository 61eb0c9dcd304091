package dev.overlayd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import dev.overlayd.node.control.InterfaceStatus;
import dev.overlayd.node.control.PeerStatus;
import org.junit.jupiter.api.Test;

class PeersTableTest {
    private static final String KEY_A = "H9WreWpljVT2fVvGutIwC4sootuew75U6PPw8o8JiRE=";
    private static final String KEY_B = "VkeGBiWTUBo7MTs8CBknq+YX8rclP43wpxPcjrutEy0=";

    private static InterfaceStatus status() {
        Map<String, Long> drops = new LinkedHashMap<>();
        drops.put("replayed_counter", 3L);
        drops.put("source_not_allowed", 1L);
        return new InterfaceStatus("ovl0", KEY_A, 51820, Map.of("no_route", 2L), List.of(
                new PeerStatus("db", null, null, KEY_B, "198.18.0.2:51820", List.of("100.64.0.2/32", "10.40.2.0/24"),
                        1_800_000_000L, 14L, 1_258_291, 2048, 340_000, 0, drops, "healthy"),
                new PeerStatus(null, null, null, KEY_A, null, List.of(), null, null, 0, 0, 0, 0, Map.of(), "never connected")));
    }

    @Test
    void oneRowPerPeerWithEverythingAnOperatorNeeds() {
        String out = new PeersTable(false).render(List.of(status()));
        assertEquals("""
                interface ovl0: public key %s, port 51820, 2 peers
                drops: 2 no route

                PEER  PUBLIC KEY                                    ENDPOINT          ALLOWED IPS                 HANDSHAKE  RECEIVED               SENT      DROPS  STATUS
                db    %s  198.18.0.2:51820  100.64.0.2/32,10.40.2.0/24  14s ago    1.20 MiB (340 kbit/s)  2.00 KiB  4      healthy
                -     %s  (none)            (none)                      never      0 B                    0 B       0      never connected

                drops from db: 3 replayed counter, 1 source not allowed
                """.formatted(KEY_A, KEY_B, KEY_A), out);
    }

    @Test
    void inClusterModeEachPeerSaysWhatItIsAndWhenItsCertificateExpires() {
        String out = new PeersTable(false).render(List.of(new InterfaceStatus("overlay0", KEY_A, 51820, Map.of(), List.of(
                new PeerStatus("h2", "node", 364 * 86_400L + 3 * 3600, KEY_B, "198.18.1.2:51820", List.of("10.40.1.0/24"),
                        1_800_000_000L, 4L, 2048, 2048, 0, 0, Map.of(), "healthy"),
                new PeerStatus("db1", "static host", -7200L, KEY_A, "198.18.1.9:51820", List.of("10.40.255.1/32"),
                        null, null, 0, 148, 0, 0, Map.of(), "never connected")))));
        assertEquals("""
                interface overlay0: public key %s, port 51820, 2 peers

                PEER  MEMBER       CERTIFICATE        PUBLIC KEY                                    ENDPOINT          ALLOWED IPS     HANDSHAKE  RECEIVED  SENT      DROPS  STATUS
                h2    node         expires in 364d3h  %s  198.18.1.2:51820  10.40.1.0/24    4s ago     2.00 KiB  2.00 KiB  0      healthy
                db1   static host  expired 2h ago     %s  198.18.1.9:51820  10.40.255.1/32  never      0 B       148 B     0      never connected

                allowed IPs of a node: its container subnet (from its certificate; the node's overlay address and its containers' addresses are in it), routed to it through the tunnel
                """.formatted(KEY_A, KEY_B, KEY_A), out);
    }

    @Test
    void colourOnlyWhenAsked() {
        assertFalse(new PeersTable(false).render(List.of(status())).contains("\u001b["));
        String coloured = new PeersTable(true).render(List.of(status()));
        assertTrue(coloured.contains("\u001b[32mhealthy\u001b[0m"), coloured);
        assertTrue(coloured.contains("\u001b[31mnever connected\u001b[0m"), coloured);
    }

    @Test
    void anInterfaceWithoutPeersIsOneLine() {
        String out = new PeersTable(false).render(List.of(new InterfaceStatus("ovl1", null, 0, Map.of(), List.of())));
        assertEquals("interface ovl1: no private key, port 0, 0 peers\n", out);
    }

    @Test
    void unitsAsOperatorsReadThem() {
        assertEquals("1023 B", PeersTable.bytes(1023));
        assertEquals("1.00 KiB", PeersTable.bytes(1024));
        assertEquals("1.50 GiB", PeersTable.bytes(3L << 29));
        assertEquals("999 bit/s", PeersTable.bits(999));
        assertEquals("1.5 Mbit/s", PeersTable.bits(1_500_000));
        assertEquals("940 Mbit/s", PeersTable.bits(940_000_000));
        assertEquals("2.3 Gbit/s", PeersTable.bits(2_300_000_000L));
    }
}
