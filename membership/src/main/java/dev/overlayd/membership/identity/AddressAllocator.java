package dev.overlayd.membership.identity;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Optional;
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

    /** {@code taken}: the addresses and subnets of the live certificates (and what else is not to be handed out). */
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
        return freeBlockIn(overlay).orElseThrow(() -> new IdentityException("no free /" + blockBits
                + " left in the overlay " + overlay + " (its last one is kept for static hosts)"));
    }

    /**
     * The first block of {@code range} (a part of the overlay, an issuer's) that overlaps nothing
     * taken, the static hosts' last block aside; a range smaller than a block is one block.
     */
    Optional<IpPrefix> freeBlockIn(IpPrefix range) {
        int bits = Math.max(blockBits, range.bits());
        IpPrefix staticHosts = blockAt(BigInteger.ONE.shiftLeft(blockBits - overlay.bits()).subtract(BigInteger.ONE));
        BigInteger blocks = BigInteger.ONE.shiftLeft(bits - range.bits());
        for (BigInteger i = BigInteger.ZERO; i.compareTo(blocks) < 0; i = i.add(BigInteger.ONE)) {
            IpPrefix candidate = new IpPrefix(bytes(number(range).add(i.shiftLeft(width - bits))), bits);
            if (!candidate.overlaps(staticHosts) && taken.stream().noneMatch(candidate::overlaps)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /** How long the blocks are: /24 in an IPv4 overlay, /64 in an IPv6 one, or the overlay when it is smaller. */
    int blockBits() {
        return blockBits;
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
