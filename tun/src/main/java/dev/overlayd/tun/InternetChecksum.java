package dev.overlayd.tun;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The Internet checksum (RFC 1071) of IP headers and TCP/UDP segments. Sums are kept unfolded in a
 * long so that pieces (a pseudo-header, a header, a payload) add up before one final fold.
 */
final class InternetChecksum {
    static final int TCP = 6;
    static final int UDP = 17;

    /**
     * Eight bytes at a time: the one's-complement sum is the same whatever the word size once folded,
     * and adding 32-bit halves into a 64-bit accumulator cannot overflow for any packet a TUN carries.
     */
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    private InternetChecksum() {
    }

    /** {@code initial} plus the 16-bit big-endian words of a[off, off+len); an odd last byte is padded with zero. */
    static long sum(byte[] a, int off, int len, long initial) {
        long sum = initial;
        int i = off;
        int end = off + len;
        for (; i + 8 <= end; i += 8) {
            long v = (long) LONGS.get(a, i);
            sum += (v >>> 32) + (v & 0xffffffffL);
        }
        for (; i + 2 <= end; i += 2) {
            sum += ((a[i] & 0xff) << 8) | (a[i + 1] & 0xff);
        }
        if (i < end) {
            sum += (a[i] & 0xff) << 8;
        }
        return sum;
    }

    /** The sum folded to 16 bits, not complemented: what a partial checksum field holds. */
    static int fold(long sum) {
        long s = (sum & 0xffffffffL) + (sum >>> 32);
        s = (s & 0xffff) + (s >>> 16);
        s = (s & 0xffff) + (s >>> 16);
        return (int) ((s & 0xffff) + (s >>> 16));
    }

    /** The checksum field's value: the complement of the folded sum. */
    static int finish(long sum) {
        return ~fold(sum) & 0xffff;
    }

    /**
     * The TCP/UDP pseudo-header of IPv4 or IPv6: source and destination address (each {@code addressLength}
     * bytes, the destination right after the source at {@code addressOffset}), protocol and L4 length.
     */
    static long pseudoHeaderSum(byte[] packet, int addressOffset, int addressLength, int protocol, int l4Length) {
        return sum(packet, addressOffset, 2 * addressLength, (long) protocol + l4Length);
    }
}
