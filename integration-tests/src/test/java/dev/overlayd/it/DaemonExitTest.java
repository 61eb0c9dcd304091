package dev.overlayd.it;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The three ways a wireguard-go-style daemon is told to go, and that nothing of it outlives it: a
 * socket left behind would make `wg` list a dead interface, an interface left behind would keep
 * taking its routes.
 */
class DaemonExitTest {
    enum Stop {
        /** An init system or `kill`. */
        SIGTERM,
        /** `wg-quick down` and `ip link del`: the interface is the daemon's reason to exist. */
        INTERFACE_DELETED,
        /** `wg` unlinks a socket it cannot connect to, and an operator may remove it: nobody could reach the daemon. */
        SOCKET_REMOVED
    }

    @ParameterizedTest
    @EnumSource(Stop.class)
    void overlaydExitsAndLeavesNothing(Stop stop) throws Exception {
        try (TwoHosts hosts = new TwoHosts()) {
            Host a = hosts.a;
            a.startOverlayd();
            a.peerWith(hosts.b, true);
            long pid = a.overlaydPid();
            assertTrue(Files.exists(a.socket()) && a.hasLink(), "overlayd is up");

            switch (stop) {
                case SIGTERM -> Sh.ok("kill", "-TERM", Long.toString(pid));
                case INTERFACE_DELETED -> a.exec("ip", "link", "del", "dev", a.iface);
                case SOCKET_REMOVED -> Files.delete(a.socket());
            }
            a.awaitExit(pid);

            assertFalse(Files.exists(a.socket()), "the UAPI socket is gone");
            assertFalse(a.hasLink(), "the interface is gone");
        }
    }
}
