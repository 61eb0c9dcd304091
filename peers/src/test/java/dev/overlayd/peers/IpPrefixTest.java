package dev.overlayd.peers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class IpPrefixTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "100.64.0.0/10, 100.64.0.0/10",
        "0.0.0.0/0, 0.0.0.0/0",
        "10.0.0.1, 10.0.0.1/32",
        "10.0.0.1/32, 10.0.0.1/32",
        "' 10.0.0.0/8 ', 10.0.0.0/8",
        "fd00::1, fd00::1/128",
        "FD00:0:0:0:0:0:0:1/128, fd00::1/128",
        "2001:0db8:0000:0000:0000:0000:0000:0000/32, 2001:db8::/32",
        "2001:db8:0:0:1:0:0:1/128, 2001:db8::1:0:0:1/128",
        "2001:db8:0:1:1:1:1:1/128, 2001:db8:0:1:1:1:1:1/128",
        "2001:0:0:1:0:0:0:1/128, 2001:0:0:1::1/128",
        "::/0, ::/0",
        "::1, ::1/128",
        "fe80::/64, fe80::/64",
        "::ffff:10.0.0.1/128, ::ffff:10.0.0.1/128",
        "::ffff:a00:0/104, ::ffff:10.0.0.0/104",
    })
    void parsesAndPrints(String text, String expected) {
        IpPrefix p = IpPrefix.parse(text);
        assertEquals(expected, p.toString());
        assertEquals(p, IpPrefix.parse(p.toString()), "toString parses back to the same prefix");
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "100.64.0.7/24, 100.64.0.0/24",
        "255.255.255.255/0, 0.0.0.0/0",
        "10.255.255.255/9, 10.128.0.0/9",
        "10.1.2.3/31, 10.1.2.2/31",
        "fd00::ffff/112, fd00::/112",
        "ffff:ffff::/17, ffff:8000::/17",
        "fd12:3456:789a:bcde:f012:3456:789a:bcde/62, fd12:3456:789a:bcdc::/62",
        "fd12:3456:789a:bcdf:f012:3456:789a:bcde/65, fd12:3456:789a:bcdf:8000::/65",
        "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/0, ::/0",
        "::ffff:10.1.2.3/120, ::ffff:10.1.2.0/120",
    })
    void masksHostBits(String text, String expected) {
        IpPrefix p = IpPrefix.parse(text);
        assertEquals(expected, p.toString());
        assertEquals(IpPrefix.parse(expected), p);
        assertEquals(IpPrefix.parse(expected).hashCode(), p.hashCode());
    }

    @Test
    void familiesAndLengths() {
        IpPrefix v4 = IpPrefix.parse("10.0.0.0/8");
        assertTrue(v4.isIpv4());
        assertEquals(8, v4.bits());
        assertEquals(4, v4.address().length);
        IpPrefix v6 = IpPrefix.parse("fd00::/8");
        assertFalse(v6.isIpv4());
        assertEquals(16, v6.address().length);
    }

    @Test
    void ipv4MappedStaysIpv6() {
        IpPrefix mapped = IpPrefix.parse("::ffff:10.0.0.1");
        assertFalse(mapped.isIpv4());
        assertEquals(128, mapped.bits());
        assertEquals(16, mapped.address().length);
        assertNotEquals(IpPrefix.parse("10.0.0.1/32"), mapped);
        assertInstanceOf(Inet6Address.class, mapped.inetAddress());
        assertInstanceOf(Inet4Address.class, IpPrefix.parse("10.0.0.1").inetAddress());
        assertEquals("::ffff:10.0.0.1/128", mapped.toString());
    }

    @Test
    void constructorMasksACopyAndAddressIsACopy() {
        byte[] raw = {10, 1, 2, 3};
        IpPrefix p = new IpPrefix(raw, 16);
        assertArrayEquals(new byte[] {10, 1, 2, 3}, raw, "the caller's array is not touched");
        assertArrayEquals(new byte[] {10, 1, 0, 0}, p.address());
        p.address()[0] = 99;
        assertEquals("10.1.0.0/16", p.toString(), "address() must not expose the record's state");
        assertEquals(IpPrefix.parse("10.1.0.0/16").hashCode(), p.hashCode());
    }

    @Test
    void ofInetAddress() throws Exception {
        assertEquals("192.168.0.0/16", IpPrefix.of(InetAddress.getByName("192.168.7.7"), 16).toString());
        assertEquals("fd00::/16", IpPrefix.of(InetAddress.getByName("fd00::7"), 16).toString());
    }

    @Test
    void contains() {
        IpPrefix p = IpPrefix.parse("10.1.0.0/16");
        assertTrue(p.contains(new byte[] {10, 1, (byte) 255, 7}));
        assertFalse(p.contains(new byte[] {10, 2, 0, 0}));
        assertFalse(p.contains(IpPrefix.parse("::ffff:10.1.0.1").address()), "no v4/v6 mixing");
        assertTrue(IpPrefix.parse("::/0").contains(IpPrefix.parse("::ffff:10.1.0.1").address()));
        assertFalse(IpPrefix.parse("::/0").contains(new byte[4]));
        assertTrue(IpPrefix.parse("0.0.0.0/0").contains(new byte[] {1, 2, 3, 4}));
    }

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {
        "100.64.0.1/33", "abc", "1.2.3/8", "", " ", "::/129", "10.0.0.1/", "10.0.0.1/-1", "10.0.0.1/+8",
        "10.0.0.1/x", "10.0.0.1/ 8", "10.0.0.1/8/9", "10.0.0.256/32", "fe80::1%eth0/64", "fe80::1%1", "[::1]/128",
        "/8", "10.0.0.1/1000", "10.0.0.1/99999999999", "1:2:3:4:5:6:7:8:9/128", "::ffff:10.0.0.1/129",
    })
    void rejectsBadInputWithAMessage(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> IpPrefix.parse(text));
        assertTrue(e.getMessage() != null && e.getMessage().contains(text),
                "the message names the input: " + e.getMessage());
    }

    @Test
    void messagesSayWhatIsWrong() {
        assertEquals("prefix length out of range: 100.64.0.1/33",
                assertThrows(IllegalArgumentException.class, () -> IpPrefix.parse("100.64.0.1/33")).getMessage());
        assertEquals("prefix length out of range: ::/129",
                assertThrows(IllegalArgumentException.class, () -> IpPrefix.parse("::/129")).getMessage());
        assertEquals("not an IP address: abc",
                assertThrows(IllegalArgumentException.class, () -> IpPrefix.parse("abc")).getMessage());
        assertEquals("not an IP address: 1.2.3/8",
                assertThrows(IllegalArgumentException.class, () -> IpPrefix.parse("1.2.3/8")).getMessage());
        assertEquals("not an IP address: ",
                assertThrows(IllegalArgumentException.class, () -> IpPrefix.parse("")).getMessage());
        assertEquals("not a prefix length: 10.0.0.1/x",
                assertThrows(IllegalArgumentException.class, () -> IpPrefix.parse("10.0.0.1/x")).getMessage());
    }

    @Test
    void constructorRejectsBadArguments() {
        assertThrows(IllegalArgumentException.class, () -> new IpPrefix(new byte[5], 8));
        assertThrows(IllegalArgumentException.class, () -> new IpPrefix(new byte[4], 33));
        assertThrows(IllegalArgumentException.class, () -> new IpPrefix(new byte[4], -1));
        assertThrows(IllegalArgumentException.class, () -> new IpPrefix(new byte[16], 129));
        assertEquals("::/128", new IpPrefix(new byte[16], 128).toString());
    }

    @Test
    void overlapsAndCovers() {
        IpPrefix overlay = IpPrefix.parse("100.64.0.0/16");
        IpPrefix block = IpPrefix.parse("100.64.1.0/24");
        assertTrue(overlay.covers(block));
        assertFalse(block.covers(overlay));
        assertTrue(block.overlaps(overlay) && overlay.overlaps(block));
        assertTrue(block.overlaps(IpPrefix.parse("100.64.1.128/25")));
        assertFalse(block.overlaps(IpPrefix.parse("100.64.2.0/24")));
        assertFalse(overlay.covers(IpPrefix.parse("100.0.0.0/8")));
        assertTrue(IpPrefix.parse("100.0.0.0/8").overlaps(overlay));
        // Another family is neither.
        assertFalse(IpPrefix.parse("::/0").overlaps(block));
        assertTrue(IpPrefix.parse("::/0").covers(IpPrefix.parse("fd00::/64")));
    }
}
