package dev.overlayd.peers;

/** The checks a decrypted packet passes before it reaches the TUN: a whole IPv4 or IPv6 packet. */
final class InnerPacket {
    private InnerPacket() {}

    /**
     * The packet's own length (it may carry padding after it), or -1 when buf[off, off+len) is
     * not a well-formed IPv4 or IPv6 packet.
     */
    static int length(byte[] buf, int off, int len) {
        if (len < 1) {
            return -1;
        }
        int version = (buf[off] & 0xff) >>> 4;
        if (version == 4) {
            if (len < 20) {
                return -1;
            }
            int total = ((buf[off + 2] & 0xff) << 8) | (buf[off + 3] & 0xff);
            return total >= 20 && total <= len ? total : -1;
        }
        if (version == 6) {
            if (len < 40) {
                return -1;
            }
            int total = 40 + (((buf[off + 4] & 0xff) << 8) | (buf[off + 5] & 0xff));
            return total <= len ? total : -1;
        }
        return -1;
    }
}
