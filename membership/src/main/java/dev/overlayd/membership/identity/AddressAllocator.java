package dev.overlayd.membership.identity;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import dev.overlayd.peers.IpPrefix;

/**
 * The default layout of the overlay: a block per host (a /24 of an IPv4 overlay, a /64 of an IPv6
 * one) counted up from the start, the host's address being the block's first (.1); the last block is
 * kept for static hosts, which get single addresses from it, counted up from its .1.
 */
final class AddressAllocator {
    private final IpPrefix overlay;
    private final List<IpPrefix> taken;
    private final int width;
    private final int blockBits;

    /** {@code taken}: the addresses and subnets of the live certificates. */
    AddressAllocator(IpPrefix overlay, List<IpPrefix> taken) {
        this.overlay = overlay;
        this.taken = List.copyOf(taken);
        width = overlay.isIpv4() ? 32 : 128;
        blockBits = Math.max(overlay.bits(), overlay.isIpv4() ? 24 : 64);
    }

    /** The host block {@code address} lies in. */
    IpPrefix block(InetAddress address) {
        return IpPrefix.of(address, blockBits);
    }

    /** The first block that no live certificate uses, the static hosts' last block aside. */
    IpPrefix freeBlock() throws IdentityException {
        BigInteger blocks = BigInteger.ONE.shiftLeft(blockBits - overlay.bits());
        for (BigInteger i = BigInteger.ZERO; i.compareTo(blocks.subtract(BigInteger.ONE)) < 0; i = i.add(BigInteger.ONE)) {
            IpPrefix candidate = blockAt(i);
            if (taken.stream().noneMatch(candidate::overlaps)) {
                return candidate;
            }
        }
        throw new IdentityException("no free /" + blockBits + " left in the overlay " + overlay
                + " (its last one is kept for static hosts)");
    }

    /** The first address of the last block that no live certificate uses. */
    InetAddress freeStaticHostAddress() throws IdentityException {
        IpPrefix lastBlock = blockAt(BigInteger.ONE.shiftLeft(blockBits - overlay.bits()).subtract(BigInteger.ONE));
        BigInteger last = number(lastBlock);
        // Neither the block's network address (.0) nor its last one (.255, IPv4's broadcast).
        BigInteger hosts = BigInteger.ONE.shiftLeft(width - blockBits).subtract(BigInteger.ONE);
        for (BigInteger i = BigInteger.ONE; i.compareTo(hosts) < 0; i = i.add(BigInteger.ONE)) {
            byte[] candidate = bytes(last.add(i));
            if (taken.stream().noneMatch(t -> t.contains(candidate))) {
                return address(candidate);
            }
        }
        throw new IdentityException("no free address left for static hosts in " + lastBlock
                + ", the last /" + blockBits + " of the overlay " + overlay);
    }

    /** The first host address of {@code subnet}, its .1. */
    static InetAddress firstHost(IpPrefix subnet) {
        return address(bytes(number(subnet).add(BigInteger.ONE), subnet.address().length));
    }

    private IpPrefix blockAt(BigInteger index) {
        return new IpPrefix(bytes(number(overlay).add(index.shiftLeft(width - blockBits))), blockBits);
    }

    private byte[] bytes(BigInteger value) {
        return bytes(value, width / 8);
    }

    private static BigInteger number(IpPrefix prefix) {
        return new BigInteger(1, prefix.address());
    }

    private static byte[] bytes(BigInteger value, int length) {
        byte[] raw = value.toByteArray();
        byte[] out = new byte[length];
        int n = Math.min(raw.length, length);
        System.arraycopy(raw, raw.length - n, out, length - n, n);
        return out;
    }

    private static InetAddress address(byte[] bytes) {
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("4 or 16 bytes are an address", e);
        }
    }
}
