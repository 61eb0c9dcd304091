package dev.overlayd.peers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HostPortTest {
    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            198.18.0.1:51820               | 198.18.0.1              | 51820 | 198.18.0.1:51820
            db1.example.com:1              | db1.example.com         | 1     | db1.example.com:1
            db1.example.com.:65535         | db1.example.com.        | 65535 | db1.example.com.:65535
            localhost:80                   | localhost               | 80    | localhost:80
            [2001:db8::1]:51821            | 2001:db8::1             | 51821 | [2001:db8::1]:51821
            [fe80::1%eth0]:51820           | fe80::1%eth0            | 51820 | [fe80::1%eth0]:51820
            [::ffff:198.18.0.1]:7          | ::ffff:198.18.0.1       | 7     | [::ffff:198.18.0.1]:7
            """)
    void parsedAndPrintedBack(String text, String host, int port, String printed) {
        HostPort endpoint = HostPort.parse(text);
        assertEquals(new HostPort(host, port), endpoint);
        assertEquals(printed, endpoint.toString());
        assertEquals(endpoint, HostPort.parse(endpoint.toString()), "what it prints parses to itself");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            vpn.example.com              | has no :port
            vpn.example.com:0            | must end with a port from 1 to 65535
            vpn.example.com:65536        | must end with a port from 1 to 65535
            vpn.example.com:+80          | must end with a port from 1 to 65535
            vpn.example.com:https        | must end with a port from 1 to 65535
            vpn.example.com:             | must end with a port from 1 to 65535
            2001:db8::1:51820            | must write an IPv6 address in brackets, [address]:port
            [2001:db8::1:51820           | has [ without ]
            [2001:db8::1]51820           | must be [IPv6]:port
            [2001:db8::1]                | must be [IPv6]:port
            [192.0.2.1]:51820            | must have an IPv6 address between [ and ]
            [fe80::1%eth 0]:51820        | has a malformed IPv6 zone
            [ ::1]:51820                 | must have an IPv6 address between [ and ]
            :51820                       | does not start with a host name or IPv4 address
            bad_host!:51820              | does not start with a host name or IPv4 address
            vpn..example.com:51820       | does not start with a host name or IPv4 address
            -vpn.example.com:51820       | does not start with a host name or IPv4 address
            192.0.2.300:51820            | does not start with a host name or IPv4 address
            """)
    void refusedWithWhatIsWrong(String text, String problem) {
        assertEquals(problem, assertThrows(IllegalArgumentException.class, () -> HostPort.parse(text)).getMessage());
    }

    @Test
    void aDefaultPortForAHostWithout() {
        assertEquals(new HostPort("seeds.internal", 51820), HostPort.parse("seeds.internal", 51820));
        assertEquals(new HostPort("fd00::1", 51820), HostPort.parse("[fd00::1]", 51820));
        assertEquals(new HostPort("seeds.internal", 4000), HostPort.parse("seeds.internal:4000", 51820));
        assertThrows(IllegalArgumentException.class, () -> HostPort.parse("fd00::1", 51820), "IPv6 needs its brackets");
    }

    @Test
    void aSocketAddressPrintsAsWireGuardPrintsIt() throws Exception {
        assertEquals("198.18.0.1:5", HostPort.of(new InetSocketAddress("198.18.0.1", 5)).toString());
        byte[] mapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, (byte) 198, 18, 0, 1};
        assertEquals("198.18.0.1:9", HostPort.of(new InetSocketAddress(Inet6Address.getByAddress(null, mapped, -1), 9)).toString(),
                "a dual-stack socket's IPv4 peer is IPv4");
        assertEquals("[2001:db8::1:0:0:1]:1", HostPort.of(new InetSocketAddress("2001:db8:0:0:1:0:0:1", 1)).toString());
        byte[] linkLocal = InetAddress.getByName("fe80::1").getAddress();
        assertEquals("[fe80::1%7]:51820",
                HostPort.of(new InetSocketAddress(Inet6Address.getByAddress(null, linkLocal, 7), 51820)).toString());
    }

    @Test
    void anAddressNeedsNoLookup() throws Exception {
        assertTrue(HostPort.parse("198.18.0.1:1").isAddress());
        assertTrue(HostPort.parse("[fd00::1]:1").isAddress());
        assertFalse(HostPort.parse("db1.example.com:1").isAddress());
        assertEquals(new InetSocketAddress("198.18.0.1", 1), HostPort.parse("198.18.0.1:1").resolve());
    }
}
