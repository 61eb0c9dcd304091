package dev.overlayd.tun;

import static dev.overlayd.tun.IpHeaders.IPV4_HEADER;
import static dev.overlayd.tun.IpHeaders.IPV4_ID;
import static dev.overlayd.tun.IpHeaders.IPV4_PROTOCOL;
import static dev.overlayd.tun.IpHeaders.IPV4_TOTAL_LENGTH;
import static dev.overlayd.tun.IpHeaders.IPV6_HEADER;
import static dev.overlayd.tun.IpHeaders.IPV6_NEXT_HEADER;
import static dev.overlayd.tun.IpHeaders.IPV6_PAYLOAD_LENGTH;
import static dev.overlayd.tun.IpHeaders.TCP_CHECKSUM;
import static dev.overlayd.tun.IpHeaders.TCP_CWR;
import static dev.overlayd.tun.IpHeaders.TCP_DATA_OFFSET;
import static dev.overlayd.tun.IpHeaders.TCP_FIN;
import static dev.overlayd.tun.IpHeaders.TCP_FLAGS;
import static dev.overlayd.tun.IpHeaders.TCP_HEADER;
import static dev.overlayd.tun.IpHeaders.TCP_PSH;
import static dev.overlayd.tun.IpHeaders.TCP_SEQ;

import java.nio.ByteBuffer;

/**
 * The read side of TUN offloads, as the kernel's GSO does it in software: one packet as the kernel
 * handed it (virtio header decoded, packet bytes in a buffer) becomes one or more plain IP packets,
 * each a valid packet of its own, in the slots of a {@link PacketBatch}.
 *
 * <p>Without segmentation the packet is copied as it is, its L4 checksum completed when the kernel
 * left it partial (NEEDS_CSUM). A TCP super-packet (GSO_TCPV4/V6) is cut into segments of gso_size
 * payload bytes: each gets the headers again with the IPv4 ID advanced by its index, the IP length and
 * header checksum rewritten, its sequence number advanced by the payload before it, FIN and PSH kept
 * for the last segment only (CWR for the first only, under ECN), and a full TCP checksum. hdr_len is
 * not trusted: the header lengths come from the headers themselves.
 *
 * <p>A super-packet can have more segments than a batch has slots: {@link #fill} stops when the batch is
 * full and the next call goes on where it stopped, so the buffer must stay untouched until
 * {@link #hasMore()} is false. Reused from packet to packet; allocates nothing.
 */
final class GsoSplit {
    private ByteBuffer src;
    private int off;
    private int len;
    /** Segments of the current packet, and the index of the next one {@link #fill} produces. */
    private int segments;
    private int next;

    private boolean tcp;
    private boolean ecn;
    private boolean v4;
    private int ipLength;
    private int headerLength;
    private int gsoSize;
    private int firstId;
    private int firstSeq;

    private boolean needsCsum;
    private int csumStart;
    private int csumOffset;

    /**
     * Takes the packet at src[off, off+len) with its header; null when it can be split, else why it is
     * dropped (and nothing of it will be produced).
     */
    TunDrop start(VirtioNetHeader header, ByteBuffer src, int off, int len) {
        this.src = src;
        this.off = off;
        this.len = len;
        segments = 0;
        next = 0;
        int type = header.gsoType & ~VirtioNetHeader.GSO_ECN;
        TunDrop verdict = switch (type) {
            case VirtioNetHeader.GSO_NONE -> startPlain(header);
            case VirtioNetHeader.GSO_TCPV4, VirtioNetHeader.GSO_TCPV6 -> startTcp(header, type == VirtioNetHeader.GSO_TCPV4);
            default -> TunDrop.UNSUPPORTED_GSO;
        };
        if (verdict != null) {
            segments = 0;
        }
        return verdict;
    }

    private TunDrop startPlain(VirtioNetHeader header) {
        tcp = false;
        needsCsum = (header.flags & VirtioNetHeader.F_NEEDS_CSUM) != 0;
        csumStart = header.csumStart;
        csumOffset = header.csumOffset;
        if (needsCsum && csumStart + csumOffset + 2 > len) {
            return TunDrop.MALFORMED_GSO;
        }
        segments = 1;
        return null;
    }

    private TunDrop startTcp(VirtioNetHeader header, boolean expectV4) {
        tcp = true;
        ecn = (header.gsoType & VirtioNetHeader.GSO_ECN) != 0;
        v4 = expectV4;
        if (len < IPV4_HEADER || (src.get(off) >> 4 & 0xf) != (v4 ? 4 : 6)) {
            return TunDrop.MALFORMED_GSO;
        }
        if (v4) {
            ipLength = (src.get(off) & 0xf) * 4;
            if (ipLength < IPV4_HEADER || src.get(off + IPV4_PROTOCOL) != InternetChecksum.TCP) {
                return TunDrop.MALFORMED_GSO;
            }
        } else {
            ipLength = IPV6_HEADER;
            if (len < IPV6_HEADER || src.get(off + IPV6_NEXT_HEADER) != InternetChecksum.TCP) {
                // Extension headers between IPv6 and TCP: the kernel may send them, this split does not parse them.
                return len < IPV6_HEADER ? TunDrop.MALFORMED_GSO : TunDrop.UNSUPPORTED_GSO;
            }
        }
        if (header.csumStart != ipLength || ipLength + TCP_HEADER > len) {
            return TunDrop.MALFORMED_GSO;
        }
        int tcpLength = (src.get(off + ipLength + TCP_DATA_OFFSET) >> 4 & 0xf) * 4;
        headerLength = ipLength + tcpLength;
        gsoSize = header.gsoSize;
        if (tcpLength < TCP_HEADER || headerLength >= len || gsoSize == 0) {
            return TunDrop.MALFORMED_GSO;
        }
        firstId = v4 ? u16(off + IPV4_ID) : 0;
        firstSeq = u16(off + ipLength + TCP_SEQ) << 16 | u16(off + ipLength + TCP_SEQ + 2);
        int payload = len - headerLength;
        segments = (payload + gsoSize - 1) / gsoSize;
        return null;
    }

    /** True while the current packet has segments not yet produced. */
    boolean hasMore() {
        return next < segments;
    }

    /** How many packets the current packet makes. */
    int segmentCount() {
        return segments;
    }

    /** The longest packet {@link #fill} will produce for the current packet: what a slot must hold. */
    int maxSegmentLength() {
        return tcp ? headerLength + Math.min(gsoSize, len - headerLength) : len;
    }

    /** Gives up the rest of the current packet. */
    void abandon() {
        next = segments;
    }

    /** Appends the next segments to {@code out} until they are all there or it is full. */
    void fill(PacketBatch out) {
        while (hasMore() && !out.isFull()) {
            if (tcp) {
                segment(next, out);
            } else {
                plain(out);
            }
            next++;
        }
    }

    private void plain(PacketBatch out) {
        byte[] slot = out.buffer(out.size());
        int at = out.headroom();
        src.get(off, slot, at, len);
        if (needsCsum) {
            int field = at + csumStart + csumOffset;
            long sum = InternetChecksum.sum(slot, at + csumStart, len - csumStart, 0);
            IpHeaders.putU16(slot, field, InternetChecksum.finish(sum));
        }
        out.add(len);
    }

    private void segment(int i, PacketBatch out) {
        byte[] slot = out.buffer(out.size());
        int ip = out.headroom();
        int payloadStart = headerLength + i * gsoSize;
        int payload = Math.min(gsoSize, len - payloadStart);
        int total = headerLength + payload;
        src.get(off, slot, ip, headerLength);
        src.get(off + payloadStart, slot, ip + headerLength, payload);
        if (v4) {
            IpHeaders.putU16(slot, ip + IPV4_TOTAL_LENGTH, total);
            IpHeaders.putU16(slot, ip + IPV4_ID, firstId + i);
            IpHeaders.fillIpv4Checksum(slot, ip, ipLength);
        } else {
            IpHeaders.putU16(slot, ip + IPV6_PAYLOAD_LENGTH, total - IPV6_HEADER);
        }
        int tcpAt = ip + ipLength;
        IpHeaders.putI32(slot, tcpAt + TCP_SEQ, firstSeq + i * gsoSize);
        int flags = slot[tcpAt + TCP_FLAGS];
        if (i != segments - 1) {
            flags &= ~(TCP_FIN | TCP_PSH);
        }
        if (ecn && i != 0) {
            flags &= ~TCP_CWR;
        }
        slot[tcpAt + TCP_FLAGS] = (byte) flags;
        IpHeaders.fillL4Checksum(slot, ip, tcpAt, ip + total, InternetChecksum.TCP, TCP_CHECKSUM);
        out.add(total);
    }

    /** Big-endian whatever order the buffer was given. */
    private int u16(int at) {
        return (src.get(at) & 0xff) << 8 | (src.get(at + 1) & 0xff);
    }
}
