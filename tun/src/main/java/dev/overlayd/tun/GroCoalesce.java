package dev.overlayd.tun;

import static dev.overlayd.tun.IpHeaders.IPV4_ADDRESSES;
import static dev.overlayd.tun.IpHeaders.IPV4_FRAGMENT;
import static dev.overlayd.tun.IpHeaders.IPV4_HEADER;
import static dev.overlayd.tun.IpHeaders.IPV4_MORE_FRAGMENTS_AND_OFFSET;
import static dev.overlayd.tun.IpHeaders.IPV4_PROTOCOL;
import static dev.overlayd.tun.IpHeaders.IPV4_TOTAL_LENGTH;
import static dev.overlayd.tun.IpHeaders.IPV4_TTL;
import static dev.overlayd.tun.IpHeaders.IPV6_ADDRESSES;
import static dev.overlayd.tun.IpHeaders.IPV6_HEADER;
import static dev.overlayd.tun.IpHeaders.IPV6_HOP_LIMIT;
import static dev.overlayd.tun.IpHeaders.IPV6_NEXT_HEADER;
import static dev.overlayd.tun.IpHeaders.IPV6_PAYLOAD_LENGTH;
import static dev.overlayd.tun.IpHeaders.TCP_ACK;
import static dev.overlayd.tun.IpHeaders.TCP_ACK_FLAG;
import static dev.overlayd.tun.IpHeaders.TCP_CHECKSUM;
import static dev.overlayd.tun.IpHeaders.TCP_DATA_OFFSET;
import static dev.overlayd.tun.IpHeaders.TCP_FLAGS;
import static dev.overlayd.tun.IpHeaders.TCP_HEADER;
import static dev.overlayd.tun.IpHeaders.TCP_PSH;
import static dev.overlayd.tun.IpHeaders.TCP_SEQ;
import static dev.overlayd.tun.IpHeaders.i32;
import static dev.overlayd.tun.IpHeaders.u16;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The write side of TUN offloads, as the kernel's GRO does it: the packets of a {@link PacketBatch}
 * become fewer, larger ones, each with the virtio header that tells the kernel what it is. Consecutive
 * TCP segments of one connection merge into one super-packet when they carry data, have the same
 * IP header fields (TOS/traffic class, TTL/hop limit, DF), the same ACK number, the same TCP header
 * length and options, flags ACK or ACK|PSH, and adjacent sequence numbers; nothing follows a segment
 * with PSH or one shorter than the first (the kernel's segmentation could not reproduce it), and the
 * whole stays within 64 KiB. A segment joins only with an intact checksum, and the first segment's is
 * checked before anything joins it: the super-packet goes to the kernel with a partial checksum that
 * it trusts, so a corrupt segment must never hide in one.
 *
 * <p>{@link #plan} groups the batch, {@link #emit} writes one group with its header into a buffer.
 * Packets that merge with nothing go as they are, with an all-zero header. Groups keep the order of
 * their first packets, and the packets of one connection stay in order: one that cannot join its
 * connection's open group starts the connection's next one. Reused from batch to batch; it
 * allocates only to grow for a larger batch than any before.
 */
final class GroCoalesce {
    /** The largest packet a TUN takes: an IPv4 total length, and the most a super-packet may hold. */
    static final int MAX_PACKET = 65535;

    private final VirtioNetHeader header = new VirtioNetHeader();
    /** The first packet's IP and TCP headers, rewritten for the super-packet. */
    private final byte[] headers = new byte[IPV6_HEADER + 60];

    private int groups;
    private int[] head = new int[0];
    private int[] last;
    private int[] count;
    private int[] gsoSize;
    private int[] nextSeq;
    private int[] length;
    /** Nothing may join: a PSH or short segment ended it, it is no candidate, or a checksum failed. */
    private boolean[] closed;
    private boolean[] checked;
    /** Per slot of the batch: the next packet of its group, or -1. */
    private int[] nextInGroup;
    /** Open addressing by connection: the group + 1 that the connection's next segment may join. */
    private int[] flows;

    /** Groups the packets of {@code batch}; the batch must not change until they are emitted. */
    void plan(PacketBatch batch) {
        grow(batch.capacity());
        groups = 0;
        Arrays.fill(flows, 0);
        for (int i = 0; i < batch.size(); i++) {
            nextInGroup[i] = -1;
            byte[] p = batch.buffer(i);
            int ip = batch.headroom();
            int len = batch.length(i);
            int tcp = tcpOffset(p, ip, len);
            if (tcp < 0) {
                newGroup(i, len, true);
                continue;
            }
            int flow = findFlow(batch, i, tcp);
            int g = flows[flow] - 1;
            boolean candidate = isCandidate(p, ip, tcp, len);
            if (candidate && g >= 0 && join(batch, g, i, tcp)) {
                continue;
            }
            g = newGroup(i, len, !candidate);
            if (candidate) {
                int payload = len - (tcp - ip) - tcpLength(p, tcp);
                gsoSize[g] = payload;
                nextSeq[g] = i32(p, tcp + TCP_SEQ) + payload;
                closed[g] = (p[tcp + TCP_FLAGS] & TCP_PSH) != 0;
            }
            flows[flow] = g + 1;
        }
    }

    /** How many packets {@link #plan} made of the batch. */
    int groups() {
        return groups;
    }

    /** How many packets of the batch group {@code g} holds. */
    int groupSize(int g) {
        return count[g];
    }

    /** The length of the packet group {@code g} makes, without its virtio header. */
    int packetLength(int g) {
        return length[g];
    }

    /** The longest that {@link #emit} writes for a group of packets no longer than a TUN takes. */
    static int maxEmitted() {
        return VirtioNetHeader.LENGTH + MAX_PACKET;
    }

    /** Writes group {@code g} with its virtio header to dst at {@code at}; returns how many bytes. */
    int emit(int g, PacketBatch batch, ByteBuffer dst, int at) {
        int first = head[g];
        byte[] p = batch.buffer(first);
        int ip = batch.headroom();
        if (count[g] == 1) {
            header.clear();
            header.encode(dst, at);
            dst.put(at + VirtioNetHeader.LENGTH, p, ip, length[g]);
            return VirtioNetHeader.LENGTH + length[g];
        }
        boolean v4 = (p[ip] & 0xf0) == 0x40;
        int ipLength = v4 ? IPV4_HEADER : IPV6_HEADER;
        int headerLength = ipLength + tcpLength(p, ip + ipLength);
        int total = length[g];
        System.arraycopy(p, ip, headers, 0, headerLength);
        if (v4) {
            IpHeaders.putU16(headers, IPV4_TOTAL_LENGTH, total);
            IpHeaders.fillIpv4Checksum(headers, 0, IPV4_HEADER);
        } else {
            IpHeaders.putU16(headers, IPV6_PAYLOAD_LENGTH, total - IPV6_HEADER);
        }
        // The kernel's segmentation puts PSH back on the last segment only.
        byte[] end = batch.buffer(last[g]);
        headers[ipLength + TCP_FLAGS] |= (byte) (end[ip + ipLength + TCP_FLAGS] & TCP_PSH);
        // A partial checksum, as the kernel keeps it: the folded pseudo-header sum, not complemented.
        long pseudo = IpHeaders.pseudoHeaderSum(headers, 0, InternetChecksum.TCP, total - ipLength);
        IpHeaders.putU16(headers, ipLength + TCP_CHECKSUM, InternetChecksum.fold(pseudo));

        header.flags = VirtioNetHeader.F_NEEDS_CSUM;
        header.gsoType = v4 ? VirtioNetHeader.GSO_TCPV4 : VirtioNetHeader.GSO_TCPV6;
        header.hdrLen = headerLength;
        header.gsoSize = gsoSize[g];
        header.csumStart = ipLength;
        header.csumOffset = TCP_CHECKSUM;
        header.encode(dst, at);
        int out = at + VirtioNetHeader.LENGTH;
        dst.put(out, headers, 0, headerLength);
        out += headerLength;
        for (int i = first; i >= 0; i = nextInGroup[i]) {
            int payload = batch.length(i) - headerLength;
            dst.put(out, batch.buffer(i), ip + headerLength, payload);
            out += payload;
        }
        return out - at;
    }

    private int newGroup(int slot, int len, boolean isClosed) {
        int g = groups++;
        head[g] = slot;
        last[g] = slot;
        count[g] = 1;
        length[g] = len;
        closed[g] = isClosed;
        checked[g] = false;
        gsoSize[g] = 0;
        return g;
    }

    /** Appends packet {@code i} to group {@code g} if every rule allows it. */
    private boolean join(PacketBatch batch, int g, int i, int tcp) {
        if (closed[g]) {
            return false;
        }
        byte[] p = batch.buffer(i);
        int ip = batch.headroom();
        int len = batch.length(i);
        byte[] h = batch.buffer(head[g]);
        // Both are candidates of one connection, so without IP options: their TCP headers sit alike.
        int headTcp = tcp;
        int tcpLength = tcpLength(p, tcp);
        int payload = len - (tcp - ip) - tcpLength;
        if (i32(p, tcp + TCP_SEQ) != nextSeq[g] || payload > gsoSize[g] || length[g] + payload > MAX_PACKET
                || i32(p, tcp + TCP_ACK) != i32(h, headTcp + TCP_ACK) || tcpLength != tcpLength(h, headTcp)
                || !Arrays.equals(p, tcp + TCP_HEADER, tcp + tcpLength, h, headTcp + TCP_HEADER, headTcp + tcpLength)
                || !sameIpFields(p, h, ip)) {
            return false;
        }
        if (!checked[g]) {
            checked[g] = true;
            if (!checksumsValid(h, ip, batch.length(head[g]))) {
                closed[g] = true;
                return false;
            }
        }
        if (!IpHeaders.l4ChecksumValid(p, ip, tcp, ip + len, InternetChecksum.TCP)) {
            return false;
        }
        nextInGroup[last[g]] = i;
        last[g] = i;
        count[g]++;
        length[g] += payload;
        nextSeq[g] += payload;
        closed[g] = payload < gsoSize[g] || (p[tcp + TCP_FLAGS] & TCP_PSH) != 0;
        return true;
    }

    private boolean checksumsValid(byte[] p, int ip, int len) {
        boolean v4 = (p[ip] & 0xf0) == 0x40;
        if (v4 && InternetChecksum.fold(InternetChecksum.sum(p, ip, IPV4_HEADER, 0)) != 0xffff) {
            return false;
        }
        int tcp = ip + (v4 ? IPV4_HEADER : IPV6_HEADER);
        return IpHeaders.l4ChecksumValid(p, ip, tcp, ip + len, InternetChecksum.TCP);
    }

    /** TOS, DF and TTL for IPv4; version, traffic class, flow label and hop limit for IPv6. */
    private static boolean sameIpFields(byte[] p, byte[] h, int ip) {
        if ((p[ip] & 0xf0) == 0x40) {
            return p[ip + 1] == h[ip + 1] && (p[ip + IPV4_FRAGMENT] & 0xe0) == (h[ip + IPV4_FRAGMENT] & 0xe0)
                    && p[ip + IPV4_TTL] == h[ip + IPV4_TTL];
        }
        return Arrays.equals(p, ip, ip + 4, h, ip, ip + 4) && p[ip + IPV6_HOP_LIMIT] == h[ip + IPV6_HOP_LIMIT];
    }

    /**
     * Where the TCP header of a whole (unfragmented) TCP packet starts, or -1 for anything else: the
     * packets whose connection can be told.
     */
    private static int tcpOffset(byte[] p, int ip, int len) {
        if (len < IPV4_HEADER) {
            return -1;
        }
        int version = (p[ip] & 0xf0) >> 4;
        if (version == 4) {
            int ipLength = (p[ip] & 0xf) * 4;
            if (ipLength < IPV4_HEADER || p[ip + IPV4_PROTOCOL] != InternetChecksum.TCP
                    || (u16(p, ip + IPV4_FRAGMENT) & IPV4_MORE_FRAGMENTS_AND_OFFSET) != 0 || len < ipLength + TCP_HEADER) {
                return -1;
            }
            return ip + ipLength;
        }
        if (version == 6 && len >= IPV6_HEADER + TCP_HEADER && p[ip + IPV6_NEXT_HEADER] == InternetChecksum.TCP) {
            return ip + IPV6_HEADER;
        }
        return -1;
    }

    /**
     * Whether the packet may be part of a super-packet at all: no IP options, lengths that agree,
     * data behind a TCP header of sane length, and flags ACK or ACK|PSH.
     */
    private static boolean isCandidate(byte[] p, int ip, int tcp, int len) {
        boolean v4 = (p[ip] & 0xf0) == 0x40;
        if (v4 ? tcp - ip != IPV4_HEADER || u16(p, ip + IPV4_TOTAL_LENGTH) != len
                : u16(p, ip + IPV6_PAYLOAD_LENGTH) + IPV6_HEADER != len) {
            return false;
        }
        int tcpLength = tcpLength(p, tcp);
        int flags = p[tcp + TCP_FLAGS] & 0xff;
        return tcpLength >= TCP_HEADER && tcp + tcpLength < ip + len
                && (flags == TCP_ACK_FLAG || flags == (TCP_ACK_FLAG | TCP_PSH));
    }

    private static int tcpLength(byte[] p, int tcp) {
        return (p[tcp + TCP_DATA_OFFSET] >> 4 & 0xf) * 4;
    }

    /** The slot of packet {@code i}'s connection in {@link #flows}: its own, or the empty one it would take. */
    private int findFlow(PacketBatch batch, int i, int tcp) {
        byte[] p = batch.buffer(i);
        int ip = batch.headroom();
        int mask = flows.length - 1;
        int slot = connectionHash(p, ip, tcp) & mask;
        while (flows[slot] != 0 && !sameConnection(batch, head[flows[slot] - 1], i)) {
            slot = (slot + 1) & mask;
        }
        return slot;
    }

    private static boolean sameConnection(PacketBatch batch, int a, int b) {
        byte[] p = batch.buffer(a);
        byte[] q = batch.buffer(b);
        int ip = batch.headroom();
        if ((p[ip] & 0xf0) != (q[ip] & 0xf0)) {
            return false;
        }
        boolean v4 = (p[ip] & 0xf0) == 0x40;
        int addresses = ip + (v4 ? IPV4_ADDRESSES : IPV6_ADDRESSES);
        int addressesEnd = addresses + (v4 ? 8 : 32);
        int pt = tcpOffset(p, ip, batch.length(a));
        int qt = tcpOffset(q, ip, batch.length(b));
        return Arrays.equals(p, addresses, addressesEnd, q, addresses, addressesEnd)
                && Arrays.equals(p, pt, pt + 4, q, qt, qt + 4);
    }

    private static int connectionHash(byte[] p, int ip, int tcp) {
        boolean v4 = (p[ip] & 0xf0) == 0x40;
        int addresses = ip + (v4 ? IPV4_ADDRESSES : IPV6_ADDRESSES);
        int h = i32(p, tcp);
        for (int a = addresses; a < addresses + (v4 ? 8 : 32); a += 4) {
            h = h * 0x9e3779b1 + i32(p, a);
        }
        return h ^ h >>> 16;
    }

    private void grow(int capacity) {
        if (head.length >= capacity) {
            return;
        }
        head = new int[capacity];
        last = new int[capacity];
        count = new int[capacity];
        gsoSize = new int[capacity];
        nextSeq = new int[capacity];
        length = new int[capacity];
        closed = new boolean[capacity];
        checked = new boolean[capacity];
        nextInGroup = new int[capacity];
        flows = new int[Integer.highestOneBit(capacity) * 4];
    }
}
