package dev.overlayd.tun;

/** What a TUN asked the kernel to leave undone, so that packets cross it in fewer, larger pieces. */
public enum Offloads {
    /** One plain IP packet per read(2) and write(2), as a TUN without IFF_VNET_HDR moves them. */
    NONE,
    /**
     * IFF_VNET_HDR with TUN_F_CSUM, TUN_F_TSO4 and TUN_F_TSO6: the kernel hands over TCP super-packets of
     * up to 64 KiB and partial checksums, which reads split and complete, and takes the super-packets
     * that writes coalesce.
     */
    TCP
}
