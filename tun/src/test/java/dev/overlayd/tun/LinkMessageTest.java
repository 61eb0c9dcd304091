package dev.overlayd.tun;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/** rtnetlink link messages as the kernel lays them out, built here byte by byte. */
class LinkMessageTest {
    private static final int IFLA_IFNAME = 3;
    private static final int IFLA_TXQLEN = 13;

    @Test
    void asksForOneInterface() {
        ByteBuffer b = LinkMessage.getLink(7, 42);

        assertEquals(32, b.capacity());
        assertEquals(32, b.getInt(0), "nlmsg_len");
        assertEquals(LinkMessage.RTM_GETLINK, b.getShort(4));
        assertEquals(LinkMessage.NLM_F_REQUEST, b.getShort(6), "one link, not a dump");
        assertEquals(42, b.getInt(8));
        assertEquals(0, b.get(16), "ifi_family AF_UNSPEC");
        assertEquals(7, b.getInt(20), "ifi_index");
    }

    @Test
    void findsTheMtuAmongTheAttributes() {
        ByteBuffer b = messages(newLink(7, name("ovt0"), u32(IFLA_TXQLEN, 500), u32(LinkMessage.IFLA_MTU, 34736)));

        assertEquals(34736, LinkMessage.mtu(b, b.limit(), 7));
    }

    @Test
    void takesTheLastMessageAboutTheInterfaceAndNoOtherInterfaces() {
        ByteBuffer b = messages(newLink(7, u32(LinkMessage.IFLA_MTU, 9001)), newLink(8, u32(LinkMessage.IFLA_MTU, 1500)),
                newLink(7, name("ovt0"), u32(LinkMessage.IFLA_MTU, 65535)), newLink(9, u32(LinkMessage.IFLA_MTU, 1280)));

        assertEquals(65535, LinkMessage.mtu(b, b.limit(), 7));
        assertEquals(1500, LinkMessage.mtu(b, b.limit(), 8));
        assertEquals(-1, LinkMessage.mtu(b, b.limit(), 10));
    }

    @Test
    void passesOverWhatIsNotANewLinkWithAnMtu() {
        byte[] deleted = newLink(7, u32(LinkMessage.IFLA_MTU, 1400));
        deleted[4] = 17; // RTM_DELLINK
        ByteBuffer b = messages(deleted, newLink(7, name("ovt0")));

        assertEquals(-1, LinkMessage.mtu(b, b.limit(), 7));
    }

    @Test
    void stopsAtWhatIsCutShortOrContradictsItself() {
        byte[] whole = newLink(7, u32(LinkMessage.IFLA_MTU, 9001));
        ByteBuffer b = messages(whole);
        for (int cut = 0; cut < whole.length; cut++) {
            assertEquals(-1, LinkMessage.mtu(b, cut, 7), "cut at " + cut);
        }
        ByteBuffer longAttribute = messages(newLink(7, u32(LinkMessage.IFLA_MTU, 9001)));
        longAttribute.putShort(32, (short) 200);
        assertEquals(-1, LinkMessage.mtu(longAttribute, longAttribute.limit(), 7));
        ByteBuffer zeroLength = messages(newLink(7, u32(LinkMessage.IFLA_MTU, 9001)));
        zeroLength.putInt(0, 0);
        assertEquals(-1, LinkMessage.mtu(zeroLength, zeroLength.limit(), 7));
    }

    /** An RTM_NEWLINK: nlmsghdr, ifinfomsg for the index, then the attributes, each padded to 4. */
    private static byte[] newLink(int ifindex, byte[]... attributes) {
        int length = 32;
        for (byte[] a : attributes) {
            length += a.length;
        }
        ByteBuffer b = ByteBuffer.allocate(length).order(ByteOrder.nativeOrder());
        b.putInt(length).putShort((short) LinkMessage.RTM_NEWLINK).putShort((short) 0).putInt(0).putInt(0);
        b.put((byte) 0).put((byte) 0).putShort((short) 65534).putInt(ifindex).putInt(0x1091).putInt(0);
        for (byte[] a : attributes) {
            b.put(a);
        }
        return b.array();
    }

    private static byte[] u32(int type, int value) {
        return ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putShort((short) 8).putShort((short) type)
                .putInt(value).array();
    }

    /** A NUL-terminated name: 4 + 5 bytes, padded to 12. */
    private static byte[] name(String name) {
        ByteBuffer b = ByteBuffer.allocate((4 + name.length() + 1 + 3) & ~3).order(ByteOrder.nativeOrder());
        b.putShort((short) (4 + name.length() + 1)).putShort((short) IFLA_IFNAME).put(name.getBytes());
        return b.array();
    }

    private static ByteBuffer messages(byte[]... messages) {
        int length = 0;
        for (byte[] m : messages) {
            length += m.length;
        }
        ByteBuffer b = ByteBuffer.allocate(length).order(ByteOrder.nativeOrder());
        for (byte[] m : messages) {
            b.put(m);
        }
        return b.flip();
    }
}
