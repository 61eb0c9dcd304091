package dev.overlayd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The stock wg-quick bringing overlayd up and down as it does wireguard-go: it runs
 * {@code $WG_QUICK_USERSPACE_IMPLEMENTATION IFNAME}, expects the interface to exist when that
 * returns, configures it with `wg setconf` and `ip`, and on `down` only deletes the interface,
 * trusting the daemon to go away with it.
 */
class WgQuickTest {
    @Test
    void wgQuickUpAndDownDriveOverlayd() throws Exception {
        try (TwoHosts hosts = new TwoHosts()) {
            Host a = hosts.a;
            Host b = hosts.b;
            Path aConfig = a.writeWgQuickConfig(b, true);
            Path bConfig = b.writeWgQuickConfig(a, false);

            Sh.Run up = a.wgQuick("up", aConfig, Host.OVERLAYD.toString());
            assertEquals(0, up.status(), () -> up.output() + "\n" + a.log());
            Sh.Run peerUp = b.wgQuick("up", bConfig, "wireguard-go");
            assertEquals(0, peerUp.status(), peerUp.output());
            long pid = a.overlaydPid();

            hosts.assertPings(a, b);
            hosts.assertPings(b, a);
            // What wg-quick set through the UAPI (wg setconf) and through ip, read back.
            assertEquals(b.underlayIp + ":" + b.listenPort, a.wgShow("endpoints", b));
            assertEquals(b.overlayIp + "/32", a.wgShow("allowed-ips", b));
            assertEquals(Integer.toString(a.listenPort), a.exec("wg", "show", a.iface, "listen-port").strip());
            String link = a.exec("ip", "-o", "addr", "show", "dev", a.iface);
            assertTrue(link.contains("inet " + a.overlayIp + "/24"), link);

            Sh.Run down = a.wgQuick("down", aConfig, Host.OVERLAYD.toString());
            assertEquals(0, down.status(), down.output());
            assertFalse(a.hasLink(), "wg-quick down deleted the interface");
            a.awaitExit(pid);
            assertFalse(Files.exists(a.socket()), "the UAPI socket is gone, so `wg show` no longer lists it");
            assertFalse(Sh.ok("wg", "show", "interfaces").contains(a.iface));
        }
    }
}
