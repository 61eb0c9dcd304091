package dev.overlayd.peers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class AllowedIpsTest {

    /** Peers are plain objects compared by identity, like the daemon's Peer. */
    private record Peer(String name) {
        @Override
        public boolean equals(Object o) {
            return this == o;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(this);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    private final Peer a = new Peer("a");
    private final Peer b = new Peer("b");
    private final Peer c = new Peer("c");
    private final Peer d = new Peer("d");
    private final Peer e = new Peer("e");
    private final Peer f = new Peer("f");
    private final Peer g = new Peer("g");
    private final AllowedIps<Peer> table = new AllowedIps<>();

    private static IpPrefix pfx(String s) {
        return IpPrefix.parse(s);
    }

    /** The 4 or 16 bytes of an address; "::ffff:a.b.c.d" stays 16 bytes. */
    private static byte[] ip(String s) {
        IpPrefix p = IpPrefix.parse(s);
        if (p.bits() != p.address().length * 8) {
            throw new IllegalArgumentException("not an address: " + s);
        }
        return p.address();
    }

    private Peer lookup(String address) {
        byte[] ip = ip(address);
        // the same answer from an offset inside a bigger buffer
        byte[] padded = new byte[ip.length + 7];
        Arrays.fill(padded, (byte) 0xa5);
        System.arraycopy(ip, 0, padded, 3, ip.length);
        Peer atOffset = table.lookup(padded, 3, ip.length);
        Peer plain = table.lookup(ip, 0, ip.length);
        assertSame(plain, atOffset, "lookup at an offset");
        return plain;
    }

    private void insert(String prefix, Peer peer) {
        table.insert(pfx(prefix), peer);
        table.checkInvariantsAndCountNodes();
    }

    private List<String> prefixesOf(Peer peer) {
        return table.prefixes(peer).stream().map(IpPrefix::toString).toList();
    }

    // ---------------------------------------------------------------------------------------------------
    // Scripted cases

    @Test
    void emptyTableMatchesNothing() {
        assertNull(lookup("10.0.0.1"));
        assertNull(lookup("fd00::1"));
        assertNull(lookup("0.0.0.0"));
        assertNull(lookup("::"));
        assertEquals(List.of(), table.prefixes(a));
        assertEquals(0, table.checkInvariantsAndCountNodes());
    }

    @Test
    void longestMatchWinsIpv4() {
        insert("0.0.0.0/0", a);
        insert("10.0.0.0/8", b);
        insert("10.1.0.0/16", c);
        insert("10.1.2.0/24", d);
        insert("10.1.2.3/32", e);
        assertSame(e, lookup("10.1.2.3"));
        assertSame(d, lookup("10.1.2.4"));
        assertSame(d, lookup("10.1.2.255"));
        assertSame(c, lookup("10.1.3.3"));
        assertSame(c, lookup("10.1.255.255"));
        assertSame(b, lookup("10.2.2.3"));
        assertSame(b, lookup("10.0.0.0"));
        assertSame(a, lookup("11.1.2.3"));
        assertSame(a, lookup("255.255.255.255"));
        assertSame(a, lookup("0.0.0.0"));
        assertNull(lookup("fd00::1"), "an IPv4 default route does not route IPv6");
    }

    @Test
    void longestMatchWinsWhateverTheInsertionOrder() {
        insert("10.1.2.3/32", e);
        insert("10.1.2.0/24", d);
        insert("10.0.0.0/8", b);
        insert("10.1.0.0/16", c);
        insert("0.0.0.0/0", a);
        assertSame(e, lookup("10.1.2.3"));
        assertSame(d, lookup("10.1.2.4"));
        assertSame(c, lookup("10.1.3.3"));
        assertSame(b, lookup("10.2.2.3"));
        assertSame(a, lookup("11.1.2.3"));
    }

    @Test
    void siblingsAndForks() {
        insert("192.168.4.0/24", a);
        insert("192.168.4.4/32", b);
        insert("192.168.0.0/16", c);
        insert("192.95.5.64/27", d);
        insert("192.95.5.65/32", c); // a /32 inside d's /27 routed to another peer
        insert("192.95.5.96/27", e);
        insert("192.95.5.128/25", f);
        insert("192.95.0.0/16", g);
        assertSame(a, lookup("192.168.4.20"));
        assertSame(a, lookup("192.168.4.0"));
        assertSame(b, lookup("192.168.4.4"));
        assertSame(c, lookup("192.168.200.182"));
        assertSame(c, lookup("192.95.5.65"));
        assertSame(d, lookup("192.95.5.66"));
        assertSame(d, lookup("192.95.5.64"));
        assertSame(e, lookup("192.95.5.96"));
        assertSame(e, lookup("192.95.5.127"));
        assertSame(f, lookup("192.95.5.128"));
        assertSame(f, lookup("192.95.5.255"));
        assertSame(g, lookup("192.95.5.63"));
        assertSame(g, lookup("192.95.255.255"));
        assertNull(lookup("192.96.0.0"));
        assertNull(lookup("193.168.4.4"));
        assertNull(lookup("192.169.0.0"));
    }

    @Test
    void longestMatchWinsIpv6() {
        insert("::/0", a);
        insert("fd00::/8", b);
        insert("fd12:3456::/32", c);
        insert("fd12:3456:789a:bcde::/64", d);
        insert("fd12:3456:789a:bcde::1/128", e);
        insert("fd12:3456:789a:bcde:8000::/65", f);
        assertSame(e, lookup("fd12:3456:789a:bcde::1"));
        assertSame(d, lookup("fd12:3456:789a:bcde::2"));
        assertSame(d, lookup("fd12:3456:789a:bcde:7fff:ffff:ffff:ffff"));
        assertSame(f, lookup("fd12:3456:789a:bcde:8000::"));
        assertSame(f, lookup("fd12:3456:789a:bcde:ffff:ffff:ffff:ffff"));
        assertSame(c, lookup("fd12:3456:789a:bcdf::1"));
        assertSame(b, lookup("fd13::1"));
        assertSame(b, lookup("fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"));
        assertSame(a, lookup("2001:db8::1"));
        assertSame(a, lookup("::"));
        assertSame(a, lookup("::ffff:10.0.0.1"));
        assertNull(lookup("10.0.0.1"), "an IPv6 default route does not route IPv4");
    }

    @Test
    void ipv6HostRoutesAtBothEnds() {
        insert("::/128", a);
        insert("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128", b);
        insert("::1/128", c);
        assertSame(a, lookup("::"));
        assertSame(b, lookup("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"));
        assertSame(c, lookup("::1"));
        assertNull(lookup("::2"));
        assertNull(lookup("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe"));
        assertNull(lookup("8000::"));
    }

    @Test
    void ipv4AndIpv6DoNotMix() {
        insert("10.0.0.0/8", a);
        insert("0.0.0.0/0", b);
        assertNull(lookup("::ffff:10.0.0.1"), "IPv4-mapped IPv6 is IPv6");
        assertNull(lookup("::a00:1"), "IPv4-compatible IPv6 is IPv6");
        insert("::ffff:10.0.0.0/104", c);
        assertSame(c, lookup("::ffff:10.0.0.1"));
        assertSame(a, lookup("10.0.0.1"));
        insert("::/0", d);
        assertSame(d, lookup("::a00:1"));
        assertSame(b, lookup("11.0.0.1"));
        // Java turns ::ffff:a.b.c.d into an Inet4Address; the convenience lookup follows Java.
        assertTrue(table.remove(pfx("::ffff:10.0.0.0/104"), c));
        assertSame(d, lookup("::ffff:10.0.0.1"));
        assertTrue(table.remove(pfx("0.0.0.0/0"), b));
        assertNull(lookup("11.0.0.1"));
        assertSame(d, lookup("fd00::1"));
    }

    @Test
    void hostBitsAreMasked() {
        insert("10.1.2.3/16", a);
        assertEquals(List.of("10.1.0.0/16"), prefixesOf(a));
        assertSame(a, lookup("10.1.200.200"));
        insert("10.1.99.99/16", b); // the same prefix: it moves
        assertEquals(List.of(), prefixesOf(a));
        assertEquals(List.of("10.1.0.0/16"), prefixesOf(b));
        assertTrue(table.remove(pfx("10.1.255.255/16"), b));
        assertNull(lookup("10.1.0.1"));
        table.insert(new IpPrefix(ip("fd00::dead:beef"), 64), c);
        assertEquals(List.of("fd00::/64"), prefixesOf(c));
        assertSame(c, lookup("fd00::1"));
    }

    @Test
    void reinsertingMovesThePrefix() {
        insert("10.0.0.0/8", a);
        insert("10.1.0.0/16", a);
        insert("10.2.0.0/16", a);
        insert("10.1.0.0/16", b);
        assertSame(b, lookup("10.1.0.1"));
        assertSame(a, lookup("10.2.0.1"));
        assertSame(a, lookup("10.3.0.1"));
        assertEquals(List.of("10.0.0.0/8", "10.2.0.0/16"), prefixesOf(a));
        assertEquals(List.of("10.1.0.0/16"), prefixesOf(b));
        assertFalse(table.remove(pfx("10.1.0.0/16"), a), "a no longer owns it");
        assertSame(b, lookup("10.1.0.1"));
        insert("10.1.0.0/16", a); // and back: appended at the end of a's list
        assertEquals(List.of("10.0.0.0/8", "10.2.0.0/16", "10.1.0.0/16"), prefixesOf(a));
        assertEquals(List.of(), prefixesOf(b));
        assertSame(a, lookup("10.1.0.1"));
    }

    @Test
    void reinsertingForTheSamePeerMovesItToTheEnd() {
        insert("10.0.0.0/8", a);
        insert("fd00::/8", a);
        insert("10.1.0.0/16", a);
        insert("10.0.0.0/8", a);
        assertEquals(List.of("fd00::/8", "10.1.0.0/16", "10.0.0.0/8"), prefixesOf(a));
        assertSame(a, lookup("10.2.0.0"));
        assertEquals(2 + 1, table.checkInvariantsAndCountNodes());
    }

    @Test
    void removeOnlyTheExactPrefixOfTheOwningPeer() {
        insert("10.0.0.0/8", a);
        insert("10.1.0.0/16", b);
        insert("10.1.2.0/24", a);
        assertFalse(table.remove(pfx("10.1.0.0/16"), a), "owned by b");
        assertFalse(table.remove(pfx("10.1.0.0/17"), b), "not an exact prefix");
        assertFalse(table.remove(pfx("10.1.0.0/15"), b), "not an exact prefix");
        assertFalse(table.remove(pfx("10.0.0.0/7"), a));
        assertFalse(table.remove(pfx("10.1.2.3/32"), a));
        assertFalse(table.remove(pfx("::/0"), a));
        assertFalse(table.remove(pfx("10.1.0.0/16"), c), "c owns nothing");
        assertSame(b, lookup("10.1.3.1"));
        assertTrue(table.remove(pfx("10.1.0.0/16"), b));
        assertFalse(table.remove(pfx("10.1.0.0/16"), b), "already gone");
        assertSame(a, lookup("10.1.3.1"));
        assertSame(a, lookup("10.1.2.1"));
        assertEquals(List.of("10.0.0.0/8", "10.1.2.0/24"), prefixesOf(a));
        assertEquals(List.of(), prefixesOf(b));
        table.checkInvariantsAndCountNodes();
        assertTrue(table.remove(pfx("10.0.0.0/8"), a));
        assertNull(lookup("10.1.3.1"));
        assertSame(a, lookup("10.1.2.1"));
        assertTrue(table.remove(pfx("10.1.2.0/24"), a));
        assertNull(lookup("10.1.2.1"));
        assertEquals(0, table.checkInvariantsAndCountNodes(), "removing everything leaves empty roots");
    }

    @Test
    void removingAMiddleNodeKeepsTheRest() {
        insert("10.0.0.0/8", a);
        insert("10.1.0.0/16", b);
        insert("10.1.1.0/24", c);
        insert("10.1.2.0/24", d);
        assertTrue(table.remove(pfx("10.1.0.0/16"), b));
        assertSame(c, lookup("10.1.1.1"));
        assertSame(d, lookup("10.1.2.1"));
        assertSame(a, lookup("10.1.3.1"));
        assertEquals(4, table.checkInvariantsAndCountNodes(), "a, glue for c and d, c, d");
        assertTrue(table.remove(pfx("10.1.1.0/24"), c));
        assertEquals(2, table.checkInvariantsAndCountNodes(), "the glue went away");
        assertSame(d, lookup("10.1.2.1"));
        assertSame(a, lookup("10.1.1.1"));
    }

    @Test
    void removePeer() {
        insert("10.0.0.0/8", a);
        insert("10.1.0.0/16", b);
        insert("10.1.1.0/24", a);
        insert("10.1.1.1/32", b);
        insert("fd00::/8", a);
        insert("fd00::1/128", b);
        insert("::/0", a);
        table.removePeer(a);
        assertEquals(List.of(), table.prefixes(a));
        assertEquals(List.of("10.1.0.0/16", "10.1.1.1/32", "fd00::1/128"), prefixesOf(b));
        assertNull(lookup("10.2.0.1"));
        assertSame(b, lookup("10.1.1.2"));
        assertSame(b, lookup("10.1.1.1"));
        assertSame(b, lookup("fd00::1"));
        assertNull(lookup("fd00::2"));
        assertNull(lookup("2001:db8::1"));
        table.removePeer(a); // nothing left: a no-op
        table.removePeer(c);
        assertEquals(3, table.checkInvariantsAndCountNodes());
        table.removePeer(b);
        assertNull(lookup("10.1.1.1"));
        assertNull(lookup("fd00::1"));
        assertEquals(0, table.checkInvariantsAndCountNodes());
    }

    @Test
    void clear() {
        insert("10.0.0.0/8", a);
        insert("fd00::/8", b);
        table.clear();
        assertNull(lookup("10.0.0.1"));
        assertNull(lookup("fd00::1"));
        assertEquals(List.of(), table.prefixes(a));
        assertEquals(List.of(), table.prefixes(b));
        assertEquals(0, table.checkInvariantsAndCountNodes());
        insert("10.0.0.0/8", b);
        assertSame(b, lookup("10.0.0.1"));
    }

    @Test
    void prefixesInInsertionOrder() {
        String[] order = {"10.9.0.0/16", "fd00::/64", "10.1.0.0/16", "0.0.0.0/0", "10.5.5.5/32", "::/0", "10.0.0.0/8"};
        for (String p : order) {
            insert(p, a);
            insert("192.0.2." + p.length() + "/32", b); // interleave another peer
        }
        assertEquals(List.of(order), prefixesOf(a));
        assertTrue(table.remove(pfx("10.1.0.0/16"), a));
        assertEquals(List.of("10.9.0.0/16", "fd00::/64", "0.0.0.0/0", "10.5.5.5/32", "::/0", "10.0.0.0/8"), prefixesOf(a));
        List<IpPrefix> copy = table.prefixes(a);
        assertThrows(UnsupportedOperationException.class, () -> copy.add(pfx("1.1.1.1")));
    }

    @Test
    void convenienceLookupByInetAddress() throws Exception {
        insert("10.0.0.0/8", a);
        insert("fd00::/8", b);
        assertSame(a, table.lookup(InetAddress.getByName("10.1.2.3")));
        assertSame(b, table.lookup(InetAddress.getByName("fd00::5")));
        assertNull(table.lookup(InetAddress.getByName("11.1.2.3")));
    }

    @Test
    void badArguments() {
        assertThrows(NullPointerException.class, () -> table.insert(pfx("10.0.0.0/8"), null));
        assertThrows(NullPointerException.class, () -> table.insert(null, a));
        assertThrows(IllegalArgumentException.class, () -> table.lookup(new byte[8], 0, 8));
        assertThrows(IllegalArgumentException.class, () -> table.lookup(new byte[8], 0, 0));
        assertThrows(IndexOutOfBoundsException.class, () -> table.lookup(new byte[8], 6, 4));
        assertThrows(IndexOutOfBoundsException.class, () -> table.lookup(new byte[16], -1, 4));
    }

    // ---------------------------------------------------------------------------------------------------
    // Packets

    private static byte[] ipv4Packet(String src, String dst, int payload) {
        byte[] p = new byte[20 + payload];
        p[0] = 0x45;
        p[2] = (byte) (p.length >>> 8);
        p[3] = (byte) p.length;
        p[8] = 64;
        p[9] = 17;
        System.arraycopy(ip(src), 0, p, 12, 4);
        System.arraycopy(ip(dst), 0, p, 16, 4);
        return p;
    }

    private static byte[] ipv6Packet(String src, String dst, int payload) {
        byte[] p = new byte[40 + payload];
        p[0] = 0x60;
        p[4] = (byte) (payload >>> 8);
        p[5] = (byte) payload;
        p[6] = 17;
        p[7] = 64;
        System.arraycopy(ip(src), 0, p, 8, 16);
        System.arraycopy(ip(dst), 0, p, 24, 16);
        return p;
    }

    private void fillPacketTable() {
        insert("10.0.0.0/24", a);
        insert("10.0.1.0/24", b);
        insert("fd00::/64", c);
        insert("fd00:0:0:1::/64", d);
    }

    @Test
    void packetSourceAndDestinationIpv4() {
        fillPacketTable();
        byte[] p = ipv4Packet("10.0.0.7", "10.0.1.9", 8);
        assertSame(a, table.lookupSource(p, 0, p.length));
        assertSame(b, table.lookupDestination(p, 0, p.length));
        byte[] header = Arrays.copyOf(p, 20); // a bare header is enough
        assertSame(a, table.lookupSource(header, 0, 20));
        assertSame(b, table.lookupDestination(header, 0, 20));
        byte[] unknown = ipv4Packet("192.0.2.1", "10.0.0.1", 0);
        assertNull(table.lookupSource(unknown, 0, unknown.length));
        assertSame(a, table.lookupDestination(unknown, 0, unknown.length));
    }

    @Test
    void packetSourceAndDestinationIpv6() {
        fillPacketTable();
        byte[] p = ipv6Packet("fd00::7", "fd00:0:0:1::9", 8);
        assertSame(c, table.lookupSource(p, 0, p.length));
        assertSame(d, table.lookupDestination(p, 0, p.length));
        assertSame(c, table.lookupSource(p, 0, 40));
        assertSame(d, table.lookupDestination(p, 0, 40));
        byte[] mapped = ipv6Packet("::ffff:10.0.0.1", "::ffff:10.0.1.1", 0);
        assertNull(table.lookupSource(mapped, 0, mapped.length), "v4-mapped in an IPv6 header is IPv6");
        assertNull(table.lookupDestination(mapped, 0, mapped.length));
    }

    @Test
    void packetAtAnOffsetInABiggerBuffer() {
        fillPacketTable();
        byte[] p4 = ipv4Packet("10.0.1.7", "10.0.0.9", 0);
        byte[] p6 = ipv6Packet("fd00:0:0:1::7", "fd00::9", 0);
        byte[] buf = new byte[200];
        Arrays.fill(buf, (byte) 0x66); // looks like IPv6 everywhere else
        System.arraycopy(p4, 0, buf, 16, 20);
        System.arraycopy(p6, 0, buf, 100, 40);
        assertSame(b, table.lookupSource(buf, 16, 20));
        assertSame(a, table.lookupDestination(buf, 16, 20));
        assertSame(d, table.lookupSource(buf, 100, 40));
        assertSame(c, table.lookupDestination(buf, 100, 40));
        assertNull(table.lookupSource(buf, 100, 39), "one byte short");
        assertNull(table.lookupSource(buf, 16, 19), "one byte short");
    }

    @Test
    void shortAndGarbagePackets() {
        fillPacketTable();
        insert("0.0.0.0/0", e);
        insert("::/0", f);
        byte[] p4 = ipv4Packet("10.0.0.7", "10.0.1.9", 0);
        for (int len = 0; len < 20; len++) {
            assertNull(table.lookupSource(p4, 0, len), "IPv4 of " + len + " bytes");
            assertNull(table.lookupDestination(p4, 0, len), "IPv4 of " + len + " bytes");
        }
        byte[] p6 = ipv6Packet("fd00::7", "fd00::9", 0);
        for (int len = 0; len < 40; len++) {
            assertNull(table.lookupSource(p6, 0, len), "IPv6 of " + len + " bytes");
            assertNull(table.lookupDestination(p6, 0, len), "IPv6 of " + len + " bytes");
        }
        for (int version = 0; version < 16; version++) {
            byte[] p = new byte[60];
            p[0] = (byte) (version << 4 | 5);
            Peer expected = version == 4 ? e : version == 6 ? f : null;
            assertSame(expected, table.lookupSource(p, 0, p.length), "version " + version);
            assertSame(expected, table.lookupDestination(p, 0, p.length), "version " + version);
        }
        assertNull(table.lookupDestination(new byte[0], 0, 0));
        assertNull(table.lookupDestination(p6, 0, -1));
        assertNull(table.lookupDestination(p6, -1, 40));
        assertNull(table.lookupDestination(p6, 1, 40), "runs past the end");
        assertNull(table.lookupDestination(p6, 40, 0));
        assertNull(table.lookupDestination(p6, 41, 0));
        assertNull(table.lookupDestination(p6, Integer.MAX_VALUE, Integer.MAX_VALUE));
        assertNull(table.lookupSource(null, 0, 40));
    }

    @Test
    void randomGarbageNeverThrows() {
        fillPacketTable();
        insert("0.0.0.0/0", e);
        Random rnd = new Random(7);
        for (int i = 0; i < 20_000; i++) {
            byte[] buf = new byte[rnd.nextInt(80)];
            rnd.nextBytes(buf);
            if (buf.length > 0 && rnd.nextBoolean()) {
                buf[0] = (byte) ((rnd.nextBoolean() ? 0x40 : 0x60) | (buf[0] & 0x0f));
            }
            int off = rnd.nextInt(buf.length + 3) - 1;
            int len = rnd.nextInt(buf.length + 3) - 1;
            table.lookupSource(buf, off, len);
            table.lookupDestination(buf, off, len);
        }
    }

    // ---------------------------------------------------------------------------------------------------
    // Randomized against a naive model

    /** A list of (prefix, peer) in insertion order, scanned for the longest containing prefix. */
    private static final class Model {
        record Entry(IpPrefix prefix, Peer peer) {
        }

        final List<Entry> entries = new ArrayList<>();

        void insert(IpPrefix prefix, Peer peer) {
            entries.removeIf(en -> en.prefix.equals(prefix));
            entries.add(new Entry(prefix, peer));
        }

        boolean remove(IpPrefix prefix, Peer peer) {
            return entries.removeIf(en -> en.prefix.equals(prefix) && en.peer == peer);
        }

        void removePeer(Peer peer) {
            entries.removeIf(en -> en.peer == peer);
        }

        List<IpPrefix> prefixes(Peer peer) {
            return entries.stream().filter(en -> en.peer == peer).map(Entry::prefix).toList();
        }

        Peer lookup(byte[] ip) {
            Entry best = null;
            for (Entry en : entries) {
                if (en.prefix.contains(ip) && (best == null || en.prefix.bits() > best.prefix.bits())) {
                    best = en;
                }
            }
            return best == null ? null : best.peer;
        }
    }

    /** Random addresses that share long prefixes often, so that random prefixes nest and fork a lot. */
    private static byte[] clusteredAddress(Random rnd, boolean v4) {
        byte[] ip = new byte[v4 ? 4 : 16];
        if (v4) {
            ip[0] = 10;
            ip[1] = (byte) rnd.nextInt(3);
            ip[2] = (byte) (rnd.nextBoolean() ? rnd.nextInt(4) : rnd.nextInt(256));
            ip[3] = (byte) rnd.nextInt(256);
            if (rnd.nextInt(20) == 0) {
                rnd.nextBytes(ip); // now and then anywhere at all
            }
        } else {
            ip[0] = (byte) 0xfd;
            ip[1] = (byte) rnd.nextInt(2);
            ip[7] = (byte) rnd.nextInt(3);
            ip[8] = (byte) (rnd.nextInt(2) << 7); // a bit right after the /64 boundary
            ip[14] = (byte) rnd.nextInt(4);
            ip[15] = (byte) rnd.nextInt(256);
            int r = rnd.nextInt(20);
            if (r == 0) {
                rnd.nextBytes(ip);
            } else if (r == 1) {
                ip = IpPrefix.parse("::ffff:10.0.0." + rnd.nextInt(4)).address();
            }
        }
        return ip;
    }

    private static int randomBits(Random rnd, int max) {
        return switch (rnd.nextInt(6)) {
            case 0 -> max; // host routes
            case 1 -> rnd.nextInt(max + 1);
            case 2 -> max - rnd.nextInt(Math.min(max, 12) + 1);
            case 3 -> rnd.nextInt(4) == 0 ? 0 : 8 * (1 + rnd.nextInt(max / 8));
            default -> max == 32 ? 8 + rnd.nextInt(25) : 8 + rnd.nextInt(121);
        };
    }

    private static void randomizedAgainstModel(long seed, boolean mixFamilies, boolean v4Only, int steps) {
        Random rnd = new Random(seed);
        Peer[] peers = new Peer[6];
        for (int i = 0; i < peers.length; i++) {
            peers[i] = new Peer("p" + i);
        }
        AllowedIps<Peer> table = new AllowedIps<>();
        Model model = new Model();
        List<IpPrefix> known = new ArrayList<>(); // prefixes seen, to remove existing ones often
        int lookups = 0;
        int hits = 0;
        for (int step = 0; step < steps; step++) {
            boolean v4 = mixFamilies ? rnd.nextBoolean() : v4Only;
            int op = rnd.nextInt(100);
            Peer peer = peers[rnd.nextInt(peers.length)];
            if (op < 45) {
                IpPrefix p;
                if (!known.isEmpty() && rnd.nextInt(4) == 0) {
                    p = known.get(rnd.nextInt(known.size()));
                } else {
                    byte[] addr = clusteredAddress(rnd, v4);
                    p = new IpPrefix(addr, randomBits(rnd, addr.length * 8));
                    known.add(p);
                }
                table.insert(p, peer);
                model.insert(p, peer);
            } else if (op < 70) {
                IpPrefix p;
                if (!model.entries.isEmpty() && rnd.nextInt(3) != 0) {
                    Model.Entry en = model.entries.get(rnd.nextInt(model.entries.size()));
                    p = en.prefix();
                    if (rnd.nextInt(3) != 0) {
                        peer = en.peer(); // mostly the owner, sometimes another peer
                    }
                } else if (!known.isEmpty()) {
                    p = known.get(rnd.nextInt(known.size()));
                } else {
                    continue;
                }
                assertEquals(model.remove(p, peer), table.remove(p, peer), "step " + step + ": remove " + p + " " + peer);
            } else if (op < 72) {
                table.removePeer(peer);
                model.removePeer(peer);
            } else if (op < 73 && rnd.nextInt(10) == 0) {
                table.clear();
                model.entries.clear();
            } else {
                for (int i = 0; i < 8; i++) {
                    byte[] addr = clusteredAddress(rnd, mixFamilies ? rnd.nextBoolean() : v4Only);
                    if (!model.entries.isEmpty() && rnd.nextBoolean()) {
                        // an address inside (or just next to) an existing prefix
                        IpPrefix p = model.entries.get(rnd.nextInt(model.entries.size())).prefix();
                        addr = p.address();
                        for (int bit = p.bits(); bit < addr.length * 8; bit++) {
                            if (rnd.nextBoolean()) {
                                addr[bit / 8] ^= (byte) (0x80 >>> (bit % 8));
                            }
                        }
                        if (p.bits() > 0 && rnd.nextInt(4) == 0) {
                            int bit = rnd.nextInt(p.bits());
                            addr[bit / 8] ^= (byte) (0x80 >>> (bit % 8));
                        }
                    }
                    Peer expected = model.lookup(addr);
                    Peer actual = table.lookup(addr, 0, addr.length);
                    lookups++;
                    if (expected != null) {
                        hits++;
                    }
                    if (expected != actual) {
                        fail("step " + step + ": lookup " + new IpPrefix(addr, addr.length * 8)
                                + " expected " + expected + " got " + actual);
                    }
                }
            }
            if (step % 50 == 0 || step == steps - 1) {
                table.checkInvariantsAndCountNodes();
                for (Peer p : peers) {
                    assertEquals(model.prefixes(p), table.prefixes(p), "step " + step + ": prefixes of " + p);
                }
            }
        }
        assertTrue(lookups > steps / 5, "enough lookups");
        assertTrue(hits > lookups / 4, "enough lookups hit something: " + hits + "/" + lookups);
    }

    @Test
    void randomizedIpv4AgainstModel() {
        randomizedAgainstModel(0x5eed4L, false, true, 6_000);
    }

    @Test
    void randomizedIpv6AgainstModel() {
        randomizedAgainstModel(0x5eed6L, false, false, 6_000);
    }

    @Test
    void randomizedBothFamiliesAgainstModel() {
        for (long seed = 1; seed <= 5; seed++) {
            randomizedAgainstModel(seed, true, false, 3_000);
        }
    }

    @Test
    void randomizedPacketsAgainstModel() {
        Random rnd = new Random(42);
        Peer[] peers = {a, b, c, d};
        Model model = new Model();
        for (int i = 0; i < 300; i++) {
            boolean v4 = rnd.nextBoolean();
            byte[] addr = clusteredAddress(rnd, v4);
            IpPrefix p = new IpPrefix(addr, randomBits(rnd, addr.length * 8));
            Peer peer = peers[rnd.nextInt(peers.length)];
            table.insert(p, peer);
            model.insert(p, peer);
        }
        for (int i = 0; i < 3_000; i++) {
            boolean v4 = rnd.nextBoolean();
            byte[] src = clusteredAddress(rnd, v4);
            byte[] dst = clusteredAddress(rnd, v4);
            byte[] packet = v4 ? ipv4Packet("0.0.0.0", "0.0.0.0", 4) : ipv6Packet("::", "::", 4);
            System.arraycopy(src, 0, packet, v4 ? 12 : 8, src.length);
            System.arraycopy(dst, 0, packet, v4 ? 16 : 24, dst.length);
            assertSame(model.lookup(src), table.lookupSource(packet, 0, packet.length));
            assertSame(model.lookup(dst), table.lookupDestination(packet, 0, packet.length));
        }
    }

    // ---------------------------------------------------------------------------------------------------
    // Data path properties

    @Test
    void lookupsDoNotAllocate() {
        var threads = ManagementFactory.getThreadMXBean();
        if (!(threads instanceof com.sun.management.ThreadMXBean mx) || !mx.isThreadAllocatedMemorySupported()) {
            return;
        }
        Random rnd = new Random(3);
        for (int i = 0; i < 500; i++) {
            byte[] addr = clusteredAddress(rnd, rnd.nextBoolean());
            table.insert(new IpPrefix(addr, randomBits(rnd, addr.length * 8)), i % 2 == 0 ? a : b);
        }
        byte[] p4 = ipv4Packet("10.1.2.3", "10.0.0.9", 0);
        byte[] p6 = ipv6Packet("fd00::7", "fd01::9", 0);
        int sink = 0;
        for (int i = 0; i < 200_000; i++) { // warm up
            sink += table.lookupDestination(p4, 0, 20) == a ? 1 : 0;
            sink += table.lookupSource(p6, 0, 40) == a ? 1 : 0;
            sink += table.lookup(p6, 24, 16) == a ? 1 : 0;
        }
        long tid = Thread.currentThread().threadId();
        long before = mx.getThreadAllocatedBytes(tid);
        int n = 200_000;
        for (int i = 0; i < n; i++) {
            sink += table.lookupDestination(p4, 0, 20) == a ? 1 : 0;
            sink += table.lookupSource(p6, 0, 40) == a ? 1 : 0;
            sink += table.lookup(p6, 24, 16) == a ? 1 : 0;
        }
        long allocated = mx.getThreadAllocatedBytes(tid) - before;
        assertTrue(allocated < n / 10, allocated + " bytes allocated by " + 3 * n + " lookups (sink " + sink + ")");
    }

    @Test
    void concurrentLookupsSeeConsistentSnapshots() throws Exception {
        // c always owns 10.0.0.0/24; the writer flips 10.0.0.0/8 between a and b, removes it, and adds and
        // removes d's prefixes all around. Readers must always see c for 10.0.0.1 and one of a, b, null for
        // 10.9.9.9, and must never crash.
        table.insert(pfx("10.0.0.0/24"), c);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        byte[] inner = ip("10.0.0.1");
        List<Thread> readers = new ArrayList<>();
        for (int t = 0; t < 3; t++) {
            Thread r = new Thread(() -> {
                try {
                    byte[] outer = ip("10.9.9.9");
                    while (!stop.get()) {
                        Peer in = table.lookup(inner, 0, 4);
                        if (in != c) {
                            throw new AssertionError("10.0.0.1 routed to " + in);
                        }
                        Peer out = table.lookup(outer, 0, 4);
                        if (out != null && out != a && out != b) {
                            throw new AssertionError("10.9.9.9 routed to " + out);
                        }
                    }
                } catch (Throwable ex) {
                    failure.compareAndSet(null, ex);
                }
            });
            r.start();
            readers.add(r);
        }
        Random rnd = new Random(11);
        for (int i = 0; i < 20_000 && failure.get() == null; i++) {
            switch (i % 4) {
                case 0 -> table.insert(pfx("10.0.0.0/8"), a);
                case 1 -> table.insert(pfx("10.0.0.0/8"), b);
                case 2 -> table.remove(pfx("10.0.0.0/8"), b);
                default -> {
                    table.insert(new IpPrefix(new byte[] {10, 0, 1, (byte) rnd.nextInt(256)}, 24 + rnd.nextInt(9)), d);
                    table.insert(new IpPrefix(new byte[] {10, 9, 9, (byte) rnd.nextInt(256)}, 31 + rnd.nextInt(2)), a);
                    if (rnd.nextInt(8) == 0) {
                        table.removePeer(d);
                    }
                }
            }
        }
        stop.set(true);
        for (Thread r : readers) {
            r.join();
        }
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
        table.checkInvariantsAndCountNodes();
    }
}
