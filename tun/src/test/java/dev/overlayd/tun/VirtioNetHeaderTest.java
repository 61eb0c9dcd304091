package dev.overlayd.tun;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

class VirtioNetHeaderTest {

    @Test
    void encodesTheKernelsLayoutInHostOrder() {
        VirtioNetHeader header = new VirtioNetHeader();
        header.flags = VirtioNetHeader.F_NEEDS_CSUM;
        header.gsoType = VirtioNetHeader.GSO_TCPV6;
        header.hdrLen = 0x0048;
        header.gsoSize = 0x05a8;
        header.csumStart = 0x0028;
        header.csumOffset = 0x0010;
        ByteBuffer b = ByteBuffer.allocate(12);

        header.encode(b, 2);

        ByteBuffer expected = ByteBuffer.allocate(12).order(ByteOrder.nativeOrder());
        expected.put(2, (byte) 1).put(3, (byte) 4).putShort(4, (short) 0x48).putShort(6, (short) 0x5a8)
                .putShort(8, (short) 0x28).putShort(10, (short) 0x10);
        assertArrayEquals(expected.array(), b.array());
    }

    @Test
    void decodesWhatItEncodes() {
        VirtioNetHeader header = new VirtioNetHeader();
        header.flags = 3;
        header.gsoType = VirtioNetHeader.GSO_TCPV4 | VirtioNetHeader.GSO_ECN;
        header.hdrLen = 0xfffe;
        header.gsoSize = 1;
        header.csumStart = 0x8000;
        header.csumOffset = 6;
        ByteBuffer b = ByteBuffer.allocateDirect(VirtioNetHeader.LENGTH);
        header.encode(b, 0);

        VirtioNetHeader decoded = new VirtioNetHeader();
        decoded.decode(b, 0);

        assertEquals(3, decoded.flags);
        assertEquals(0x81, decoded.gsoType);
        assertEquals(0xfffe, decoded.hdrLen);
        assertEquals(1, decoded.gsoSize);
        assertEquals(0x8000, decoded.csumStart);
        assertEquals(6, decoded.csumOffset);
    }

    @Test
    void clearsToAllZero() {
        VirtioNetHeader header = new VirtioNetHeader();
        header.decode(ByteBuffer.wrap(new byte[] {1, 1, 2, 2, 3, 3, 4, 4, 5, 5}), 0);
        header.clear();
        ByteBuffer b = ByteBuffer.wrap(new byte[] {9, 9, 9, 9, 9, 9, 9, 9, 9, 9});

        header.encode(b, 0);

        assertArrayEquals(new byte[VirtioNetHeader.LENGTH], b.array());
    }
}
