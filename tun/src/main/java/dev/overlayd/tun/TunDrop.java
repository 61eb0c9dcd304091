package dev.overlayd.tun;

/** Why a TUN dropped a packet instead of passing it on; counted in {@link TunCounters}. */
public enum TunDrop {
    /** A virtio header or super-packet that contradicts itself: the kernel should never send one. */
    MALFORMED_GSO,
    /** A segmentation type this TUN did not ask the kernel for (UDP GSO, or TCP behind IPv6 extension headers). */
    UNSUPPORTED_GSO,
    /** A packet, or a segment of a super-packet, longer than the slots of the batch it was read into. */
    TOO_BIG,
    /** A packet the kernel refused to take (write(2) failed), such as one that is not IP. */
    WRITE_REFUSED
}
