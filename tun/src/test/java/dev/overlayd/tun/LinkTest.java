package dev.overlayd.tun;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import dev.overlayd.testing.Netns;

/**
 * iproute2 configuration of a TUN in a network namespace of the test's own, checked with {@code ip}
 * itself. Needs root: fails without it. The IPv6 addresses are unique-local ones (fd00::/8); the
 * namespace keeps them, like the 100.64.0.0/10 ones, off the host.
 */
class LinkTest {
    private Netns netns;
    private Link link;

    @BeforeEach
    void createTun() throws IOException {
        netns = Netns.create("ovt-");
        link = Link.inNetns(netns.name(), netns.open(() -> LinuxTun.open("ovt%d")).name());
    }

    @AfterEach
    void deleteNamespace() throws IOException {
        if (netns != null) {
            netns.close();
        }
    }

    @Test
    void setsMtuAndBringsTheLinkUp() throws IOException {
        link.setMtu(1420);
        link.setUp();

        String line = netns.ip("-o", "link", "show", "dev", link.name());
        assertTrue(line.contains(" mtu 1420 "), line);
        assertTrue(line.matches("(?s).*<[^>]*\\bUP\\b[^>]*>.*"), line);
    }

    @Test
    void addsIpv4AndIpv6Addresses() throws IOException {
        link.setUp();
        link.addAddress("100.64.3.1/24");
        link.addAddress("fd00:64::1/64");

        String addresses = netns.ip("-o", "address", "show", "dev", link.name());
        assertTrue(addresses.contains(" inet 100.64.3.1/24 "), addresses);
        assertTrue(addresses.contains(" inet6 fd00:64::1/64 "), addresses);
    }

    @Test
    void routesPrefixesThroughTheDevice() throws IOException {
        link.setUp();
        link.addAddress("100.64.3.1/24");
        link.addAddress("fd00:64::1/64");
        link.addRoute("100.64.128.0/17");
        link.addRoute("fd00:65::/48");

        String v4 = netns.ip("-4", "route", "show", "dev", link.name());
        String v6 = netns.ip("-6", "route", "show", "dev", link.name());
        assertTrue(v4.contains("100.64.128.0/17"), v4);
        assertTrue(v6.contains("fd00:65::/48"), v6);
    }

    @Test
    void neverTouchesTheDefaultRoute() throws IOException {
        link.setUp();
        for (String cidr : new String[] {"0.0.0.0/0", "::/0", "default", "0/0", "100.64.0.0"}) {
            assertThrows(IllegalArgumentException.class, () -> link.addRoute(cidr), cidr);
        }
        assertEquals("", netns.ip("-4", "route", "show", "default").strip());
        assertEquals("", netns.ip("-6", "route", "show", "default").strip());
    }

    @Test
    void reportsTheFailingCommandAndItsError() throws IOException {
        link.setUp();
        link.addAddress("100.64.3.1/24");

        IOException e = assertThrows(IOException.class, () -> link.addAddress("100.64.3.1/24"));
        String command = "ip -n " + netns.name() + " address add 100.64.3.1/24 dev " + link.name() + " failed (exit 2): ";
        assertTrue(e.getMessage().startsWith(command), e.getMessage());
        // The wording is iproute2's and changes between its versions; that it is there is what counts.
        assertFalse(e.getMessage().substring(command.length()).isBlank(), e.getMessage());
    }

    @Test
    void deletesTheInterface() throws IOException {
        assertTrue(link.exists());

        link.delete();

        assertFalse(link.exists());
        assertFalse(netns.ip("-o", "link", "show").contains(link.name()));
    }
}
