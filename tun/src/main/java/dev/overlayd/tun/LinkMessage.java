package dev.overlayd.tun;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * rtnetlink's link messages (include/uapi/linux/rtnetlink.h, if_link.h), as far as one interface's
 * MTU: the RTM_GETLINK request for it, and the IFLA_MTU of the RTM_NEWLINK messages the kernel
 * answers with and sends to the RTMGRP_LINK group whenever a link changes. Each message is a
 * {@code struct nlmsghdr}, a {@code struct ifinfomsg} and attributes, all in host byte order, each
 * aligned to 4 bytes. Sans-I/O: buffers in, numbers out.
 */
final class LinkMessage {
    static final int RTM_NEWLINK = 16;
    static final int RTM_GETLINK = 18;
    static final int NLMSG_HEADER = 16;
    static final int IFINFO = 16;
    static final int IFLA_MTU = 4;
    static final int NLM_F_REQUEST = 1;
    /** Where ifinfomsg's ifi_index lies in a message: behind the header, family, padding and type. */
    private static final int IFI_INDEX = NLMSG_HEADER + 4;
    private static final int ATTRIBUTE_HEADER = 4;

    private LinkMessage() {}

    /** An RTM_GETLINK request for the interface with this index: the kernel answers with one RTM_NEWLINK. */
    static ByteBuffer getLink(int ifindex, int sequence) {
        ByteBuffer b = ByteBuffer.allocate(NLMSG_HEADER + IFINFO).order(ByteOrder.nativeOrder());
        b.putInt(0, NLMSG_HEADER + IFINFO);
        b.putShort(4, (short) RTM_GETLINK);
        b.putShort(6, (short) NLM_F_REQUEST);
        b.putInt(8, sequence);
        b.putInt(IFI_INDEX, ifindex);
        return b;
    }

    /**
     * The MTU that the last RTM_NEWLINK about {@code ifindex} in b[0, len) carries, or -1 when none
     * does. Other messages, other interfaces and anything cut short or malformed are passed over.
     */
    static int mtu(ByteBuffer b, int len, int ifindex) {
        int mtu = -1;
        int at = 0;
        while (at + NLMSG_HEADER <= len) {
            int messageLength = b.getInt(at);
            if (messageLength < NLMSG_HEADER || messageLength > len - at) {
                break;
            }
            int type = Short.toUnsignedInt(b.getShort(at + 4));
            if (type == RTM_NEWLINK && messageLength >= NLMSG_HEADER + IFINFO && b.getInt(at + IFI_INDEX) == ifindex) {
                int found = attributeMtu(b, at + NLMSG_HEADER + IFINFO, at + messageLength);
                if (found >= 0) {
                    mtu = found;
                }
            }
            at += align(messageLength);
        }
        return mtu;
    }

    private static int attributeMtu(ByteBuffer b, int at, int end) {
        while (at + ATTRIBUTE_HEADER <= end) {
            int attributeLength = Short.toUnsignedInt(b.getShort(at));
            if (attributeLength < ATTRIBUTE_HEADER || attributeLength > end - at) {
                return -1;
            }
            if (Short.toUnsignedInt(b.getShort(at + 2)) == IFLA_MTU && attributeLength >= ATTRIBUTE_HEADER + 4) {
                int mtu = b.getInt(at + ATTRIBUTE_HEADER);
                return mtu >= 0 ? mtu : -1;
            }
            at += align(attributeLength);
        }
        return -1;
    }

    private static int align(int length) {
        return (length + 3) & ~3;
    }
}
