package dev.overlayd.peers;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.InetAddress;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * WireGuard's cryptokey routing table: which peer owns which allowed IPs, with longest-prefix match for
 * IPv4 and IPv6 kept apart (an IPv4-mapped IPv6 address never matches an IPv4 prefix).
 *
 * <p>Each family is a path-compressed binary trie. Addresses are handled as 128-bit numbers (two longs,
 * most significant first); an IPv4 address sits in the top 32 bits, so one node type and one set of bit
 * operations serve both families. A node holds a prefix (key, bits) and, optionally, a peer; its two
 * children hold longer prefixes that extend it with a 0 or a 1 at bit position {@code bits}. A node without
 * a peer ("glue") exists only to fork and therefore always has two children; removing prefixes collapses
 * glue that is no longer needed, so removing everything leaves empty roots.
 *
 * <p>Concurrency: lookups run on data-path threads, updates are rare (UAPI, control plane). The tries are
 * persistent: nodes are immutable, and an update copies only the path from the root to the changed node
 * (at most 33 or 129 nodes), then publishes new roots through one volatile write. Readers read that
 * volatile field once and walk an immutable snapshot: no lock, no retry, no allocation, and they can never
 * see a half-made update; final fields make the nodes safely published. Writers serialise on a private
 * monitor, which also guards the per-peer insertion-order bookkeeping. Updates that touch several prefixes
 * ({@link #removePeer}, {@link #clear}) build their new roots privately and publish them at once, so a
 * reader sees all of such an update or none of it. This was chosen over a ReadWriteLock (readers would
 * contend on the lock word and stall behind a long UAPI update) and over optimistic StampedLock reads
 * (a reader walking a trie that is being mutated needs care to not loop or crash before validation).
 *
 * <p>Peers are compared with {@link Object#equals} (identity for classes that do not override it) and must
 * not be null: null means "no peer" in lookups.
 */
public final class AllowedIps<P> {

    private static final VarHandle LONG_BE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle INT_BE = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);

    /** One immutable trie node. For IPv4, the address is in the top 32 bits of {@code hi} and {@code lo} is 0. */
    private static final class Node<P> {
        final long hi;
        final long lo;
        final int bits;
        final P peer; // null for glue
        final Node<P> zero;
        final Node<P> one;

        Node(long hi, long lo, int bits, P peer, Node<P> zero, Node<P> one) {
            this.hi = hi;
            this.lo = lo;
            this.bits = bits;
            this.peer = peer;
            this.zero = zero;
            this.one = one;
        }

        Node<P> child(int bit) {
            return bit == 0 ? zero : one;
        }

        Node<P> withChild(int bit, Node<P> child) {
            return bit == 0 ? new Node<>(hi, lo, bits, peer, child, one) : new Node<>(hi, lo, bits, peer, zero, child);
        }

        Node<P> withPeer(P newPeer) {
            return new Node<>(hi, lo, bits, newPeer, zero, one);
        }
    }

    /** Both roots, published together. */
    private record Roots<P>(Node<P> v4, Node<P> v6) {
        Node<P> of(IpPrefix prefix) {
            return prefix.isIpv4() ? v4 : v6;
        }

        /** These roots with {@code prefix}'s family's root replaced. */
        Roots<P> with(IpPrefix prefix, Node<P> root) {
            return prefix.isIpv4() ? new Roots<>(root, v6) : new Roots<>(v4, root);
        }

    }

    private volatile Roots<P> roots = new Roots<>(null, null);

    private final Object writeLock = new Object();
    /** Each peer's prefixes in insertion order; guarded by writeLock. */
    private final Map<P, LinkedHashSet<IpPrefix>> byPeer = new HashMap<>();

    // ---------------------------------------------------------------------------------------------------
    // Updates (control plane)

    /**
     * Routes {@code prefix} to {@code peer}. If the prefix already belongs to a peer, it moves: it leaves that
     * peer's list and is appended to {@code peer}'s. As in wireguard-go, this holds even when it is the same
     * peer: re-inserting a prefix moves it to the end of its peer's list.
     */
    public void insert(IpPrefix prefix, P peer) {
        Objects.requireNonNull(prefix, "prefix");
        Objects.requireNonNull(peer, "peer");
        synchronized (writeLock) {
            Roots<P> r = roots;
            Node<P> root = r.of(prefix);
            long hi = hi(prefix);
            long lo = lo(prefix);
            P old = exact(root, hi, lo, prefix.bits());
            if (old != null) {
                forget(old, prefix);
            }
            byPeer.computeIfAbsent(peer, k -> new LinkedHashSet<>()).add(prefix);
            Node<P> newRoot = insert(root, hi, lo, prefix.bits(), peer);
            roots = r.with(prefix, newRoot);
        }
    }

    /** Removes {@code prefix} if, and only if, it is exactly a prefix of {@code peer}'s. Returns whether it did. */
    public boolean remove(IpPrefix prefix, P peer) {
        Objects.requireNonNull(prefix, "prefix");
        Objects.requireNonNull(peer, "peer");
        synchronized (writeLock) {
            Roots<P> r = roots;
            Node<P> root = r.of(prefix);
            long hi = hi(prefix);
            long lo = lo(prefix);
            if (!peer.equals(exact(root, hi, lo, prefix.bits()))) {
                return false;
            }
            forget(peer, prefix);
            Node<P> newRoot = remove(root, hi, lo, prefix.bits());
            roots = r.with(prefix, newRoot);
            return true;
        }
    }

    /** Removes all of {@code peer}'s prefixes, in both families, in one visible step. */
    public void removePeer(P peer) {
        Objects.requireNonNull(peer, "peer");
        synchronized (writeLock) {
            Set<IpPrefix> prefixes = byPeer.remove(peer);
            if (prefixes == null) {
                return;
            }
            Roots<P> r = roots;
            Node<P> v4 = r.v4();
            Node<P> v6 = r.v6();
            for (IpPrefix p : prefixes) {
                if (p.isIpv4()) {
                    v4 = remove(v4, hi(p), lo(p), p.bits());
                } else {
                    v6 = remove(v6, hi(p), lo(p), p.bits());
                }
            }
            roots = new Roots<>(v4, v6);
        }
    }

    /** Removes every prefix of every peer. */
    public void clear() {
        synchronized (writeLock) {
            byPeer.clear();
            roots = new Roots<>(null, null);
        }
    }

    /** {@code peer}'s prefixes in the order they were given to it (the order the UAPI prints them in). */
    public List<IpPrefix> prefixes(P peer) {
        synchronized (writeLock) {
            Set<IpPrefix> prefixes = byPeer.get(peer);
            return prefixes == null ? List.of() : List.copyOf(prefixes);
        }
    }

    private void forget(P peer, IpPrefix prefix) {
        Set<IpPrefix> set = byPeer.get(peer);
        if (set != null && set.remove(prefix) && set.isEmpty()) {
            byPeer.remove(peer);
        }
    }

    // ---------------------------------------------------------------------------------------------------
    // Lookups (data path)

    /**
     * The peer owning the longest prefix that contains the address at {@code buf[off..off+len)}: an IPv4
     * address if {@code len} is 4, IPv6 if 16. Null if no prefix contains it. Allocates nothing.
     *
     * @throws IllegalArgumentException if {@code len} is neither 4 nor 16
     * @throws IndexOutOfBoundsException if the range is not inside {@code buf}
     */
    public P lookup(byte[] buf, int off, int len) {
        Objects.checkFromIndexSize(off, len, buf.length);
        if (len == 4) {
            return lookupV4(buf, off);
        } else if (len == 16) {
            return lookupV6(buf, off);
        }
        throw new IllegalArgumentException("an IP address has 4 or 16 bytes, not " + len);
    }

    /**
     * Convenience lookup (allocates). Note that Java represents "::ffff:a.b.c.d" as an Inet4Address, so such an
     * address is looked up as IPv4 here; use {@link #lookup(byte[], int, int)} with 16 bytes to look up the
     * IPv6 form.
     */
    public P lookup(InetAddress address) {
        byte[] a = address.getAddress();
        return lookup(a, 0, a.length);
    }

    /** The peer for the destination address of the IP packet at {@code packet[off..off+len)}; null for garbage. */
    public P lookupDestination(byte[] packet, int off, int len) {
        return lookupPacket(packet, off, len, 16, 24);
    }

    /** The peer for the source address of the IP packet at {@code packet[off..off+len)}; null for garbage. */
    public P lookupSource(byte[] packet, int off, int len) {
        return lookupPacket(packet, off, len, 12, 8);
    }

    private P lookupPacket(byte[] packet, int off, int len, int v4Offset, int v6Offset) {
        if (packet == null || off < 0 || len < 1 || off > packet.length - len) {
            return null;
        }
        int version = (packet[off] & 0xff) >>> 4;
        if (version == 4 && len >= 20) {
            return lookupV4(packet, off + v4Offset);
        } else if (version == 6 && len >= 40) {
            return lookupV6(packet, off + v6Offset);
        }
        return null;
    }

    private P lookupV4(byte[] buf, int off) {
        long hi = ((long) (int) INT_BE.get(buf, off)) << 32;
        return find(roots.v4(), hi, 0L, 32);
    }

    private P lookupV6(byte[] buf, int off) {
        long hi = (long) LONG_BE.get(buf, off);
        long lo = (long) LONG_BE.get(buf, off + 8);
        return find(roots.v6(), hi, lo, 128);
    }

    /** Longest-prefix match of the full-length address (hi, lo) of a family with {@code max} bits. */
    private static <P> P find(Node<P> node, long hi, long lo, int max) {
        P best = null;
        while (node != null && matches(node, hi, lo)) {
            if (node.peer != null) {
                best = node.peer;
            }
            if (node.bits == max) {
                break;
            }
            node = node.child(bit(hi, lo, node.bits));
        }
        return best;
    }

    // ---------------------------------------------------------------------------------------------------
    // Persistent trie operations; each returns the new subtree and leaves its argument untouched.

    /** The peer stored at exactly (hi, lo)/bits, or null. */
    private static <P> P exact(Node<P> node, long hi, long lo, int bits) {
        while (node != null && node.bits <= bits && matches(node, hi, lo)) {
            if (node.bits == bits) {
                return node.peer;
            }
            node = node.child(bit(hi, lo, node.bits));
        }
        return null;
    }

    private static <P> Node<P> insert(Node<P> node, long hi, long lo, int bits, P peer) {
        if (node == null) {
            return new Node<>(hi, lo, bits, peer, null, null);
        }
        int common = commonBits(node.hi, node.lo, hi, lo, Math.min(node.bits, bits));
        if (common == node.bits && common == bits) {
            return node.withPeer(peer);
        }
        if (common == node.bits) {
            // node is a proper prefix of the new one: descend
            int b = bit(hi, lo, node.bits);
            return node.withChild(b, insert(node.child(b), hi, lo, bits, peer));
        }
        if (common == bits) {
            // the new prefix is a proper prefix of node: it becomes node's parent
            Node<P> fresh = new Node<>(hi, lo, bits, peer, null, null);
            return fresh.withChild(bit(node.hi, node.lo, bits), node);
        }
        // they diverge at bit `common`: fork with a glue node
        Node<P> leaf = new Node<>(hi, lo, bits, peer, null, null);
        long gh = hi & maskHi(common);
        long gl = lo & maskLo(common);
        return bit(hi, lo, common) == 0
                ? new Node<>(gh, gl, common, null, leaf, node)
                : new Node<>(gh, gl, common, null, node, leaf);
    }

    /** Removes the entry at exactly (hi, lo)/bits, which the caller knows exists. */
    private static <P> Node<P> remove(Node<P> node, long hi, long lo, int bits) {
        if (node == null || node.bits > bits || !matches(node, hi, lo)) {
            return node; // not here (cannot happen when the caller checked)
        }
        if (node.bits == bits) {
            return collapse(node.hi, node.lo, node.bits, null, node.zero, node.one);
        }
        int b = bit(hi, lo, node.bits);
        Node<P> child = node.child(b);
        Node<P> newChild = remove(child, hi, lo, bits);
        if (newChild == child) {
            return node;
        }
        return b == 0
                ? collapse(node.hi, node.lo, node.bits, node.peer, newChild, node.one)
                : collapse(node.hi, node.lo, node.bits, node.peer, node.zero, newChild);
    }

    /** A node with these contents, or less: a peerless node needs two children to be worth keeping. */
    private static <P> Node<P> collapse(long hi, long lo, int bits, P peer, Node<P> zero, Node<P> one) {
        if (peer == null) {
            if (zero == null) {
                return one;
            }
            if (one == null) {
                return zero;
            }
        }
        return new Node<>(hi, lo, bits, peer, zero, one);
    }

    /**
     * For tests: checks the trie invariants (children extend their parent on the right side, keys are masked,
     * glue has two children, the per-peer lists match the tries) and returns the number of nodes in both tries.
     */
    int checkInvariantsAndCountNodes() {
        synchronized (writeLock) {
            Roots<P> r = roots;
            Map<P, Integer> owned = new HashMap<>();
            int nodes = check(r.v4(), null, -1, 32, owned) + check(r.v6(), null, -1, 128, owned);
            Map<P, Integer> listed = new HashMap<>();
            byPeer.forEach((peer, set) -> {
                if (set.isEmpty()) {
                    throw new AssertionError("empty prefix list kept for " + peer);
                }
                listed.put(peer, set.size());
                for (IpPrefix p : set) {
                    if (!peer.equals(exact(r.of(p), hi(p), lo(p), p.bits()))) {
                        throw new AssertionError(p + " is listed for " + peer + " but not routed to it");
                    }
                }
            });
            if (!owned.equals(listed)) {
                throw new AssertionError("tries hold " + owned + " prefixes per peer, lists hold " + listed);
            }
            return nodes;
        }
    }

    private static <P> int check(Node<P> node, Node<P> parent, int side, int max, Map<P, Integer> owned) {
        if (node == null) {
            return 0;
        }
        if (node.bits > max || (node.hi & ~maskHi(node.bits)) != 0 || (node.lo & ~maskLo(node.bits)) != 0) {
            throw new AssertionError("bad key or length at /" + node.bits);
        }
        if (parent != null && (node.bits <= parent.bits || !matches(parent, node.hi, node.lo)
                || bit(node.hi, node.lo, parent.bits) != side)) {
            throw new AssertionError("child /" + node.bits + " misplaced under /" + parent.bits);
        }
        if (node.peer == null && (node.zero == null || node.one == null)) {
            throw new AssertionError("glue node /" + node.bits + " with fewer than two children");
        }
        if (node.peer != null) {
            owned.merge(node.peer, 1, Integer::sum);
        }
        return 1 + check(node.zero, node, 0, max, owned) + check(node.one, node, 1, max, owned);
    }

    // ---------------------------------------------------------------------------------------------------
    // 128-bit helpers: bit 0 is the most significant bit of hi.

    private static long hi(IpPrefix p) {
        byte[] a = p.address();
        return a.length == 4 ? ((long) (int) INT_BE.get(a, 0)) << 32 : (long) LONG_BE.get(a, 0);
    }

    private static long lo(IpPrefix p) {
        byte[] a = p.address();
        return a.length == 4 ? 0L : (long) LONG_BE.get(a, 8);
    }

    /** Whether the full address (hi, lo) starts with node's prefix. */
    private static boolean matches(Node<?> node, long hi, long lo) {
        int bits = node.bits;
        return ((hi ^ node.hi) & maskHi(bits)) == 0 && ((lo ^ node.lo) & maskLo(bits)) == 0;
    }

    /** Bit {@code i} (0..127) of (hi, lo). */
    private static int bit(long hi, long lo, int i) {
        return i < 64 ? (int) (hi >>> (63 - i)) & 1 : (int) (lo >>> (127 - i)) & 1;
    }

    private static long maskHi(int bits) {
        return bits <= 0 ? 0L : bits >= 64 ? -1L : -1L << (64 - bits);
    }

    private static long maskLo(int bits) {
        return bits <= 64 ? 0L : bits >= 128 ? -1L : -1L << (128 - bits);
    }

    /** How many leading bits, at most {@code limit}, (h1, l1) and (h2, l2) share. */
    private static int commonBits(long h1, long l1, long h2, long l2, int limit) {
        long dh = h1 ^ h2;
        int common = dh != 0 ? Long.numberOfLeadingZeros(dh) : 64 + Long.numberOfLeadingZeros(l1 ^ l2);
        return Math.min(common, limit);
    }
}
