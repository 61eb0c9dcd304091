package dev.overlayd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * `overlayd --config` routes its peers' allowed IPs and nothing else, as the README promises: a
 * 0.0.0.0/0 or ::/0 in AllowedIPs is cryptokey routing only, never a default route, and unlike
 * wg-quick no policy rules either. Read back from the namespace's routing tables and rules.
 */
class ConfigRoutesTest {
    @Test
    void onlyThePeersPrefixesAreRoutedAndNeverADefaultRoute() throws Exception {
        try (TwoHosts hosts = new TwoHosts()) {
            Host a = hosts.a;
            Host b = hosts.b;
            String rules = a.exec("ip", "rule", "show") + a.exec("ip", "-6", "rule", "show");
            // A second peer that never answers: only its allowed IPs matter here.
            String catchAll = Sh.ok("sh", "-c", "wg genkey | wg pubkey").strip();
            b.startWireguardGo();
            b.peerWith(a, false);
            a.startFromConfig(a.writeWgQuickConfig(
                    Host.peerSection(b, true, b.overlayHostPrefix() + ", 100.64.9.0/24, fd00:64:9::/64"),
                    "\n[Peer]\nPublicKey = " + catchAll + "\nAllowedIPs = 0.0.0.0/0, ::/0\n"));
            hosts.assertPings(a, b);

            // b's address lies in a's own /24, which the kernel routes already: it gets a route all the same.
            assertEquals(Set.of("100.64.0.2", "100.64.9.0/24"), routesVia(a, "-4"));
            assertEquals(Set.of("fd00:64:9::/64"), routesVia(a, "-6"));
            for (String family : new String[] {"-4", "-6"}) {
                String all = a.exec("ip", family, "route", "show", "table", "all");
                assertTrue(all.lines().noneMatch(l -> l.startsWith("default")), "a default route:\n" + all);
            }
            assertEquals(rules, a.exec("ip", "rule", "show") + a.exec("ip", "-6", "rule", "show"), "policy rules changed");
            // Outside the allowed prefixes nothing is routed at all (198.19/16 is in the test range, unused here).
            assertNotEquals(0, a.tryExec(10, "ip", "route", "get", "198.19.255.1").status());
            assertEquals(a.iface, routeDevice(a, "100.64.9.7"));
            assertEquals(hosts.veth(a), routeDevice(a, b.underlayIp), "the underlay stays on the veth");
            assertTrue(a.log().contains("no route for 0.0.0.0/0") && a.log().contains("no route for ::/0"), a.log());
        }
    }

    /** The routes the interface has that its addresses did not make (the kernel's own, proto kernel). */
    private static Set<String> routesVia(Host h, String family) throws Exception {
        return h.exec("ip", family, "route", "show", "table", "all", "dev", h.iface).lines()
                .filter(l -> !l.contains("proto kernel") && !l.startsWith("local ") && !l.startsWith("broadcast ")
                        && !l.startsWith("multicast "))
                .map(l -> l.split("\\s+")[0]).collect(Collectors.toSet());
    }

    private static String routeDevice(Host h, String destination) throws Exception {
        String[] words = h.exec("ip", "route", "get", destination).split("\\s+");
        for (int i = 0; i + 1 < words.length; i++) {
            if (words[i].equals("dev")) {
                return words[i + 1];
            }
        }
        throw new AssertionError("`ip route get " + destination + "` names no device");
    }
}
