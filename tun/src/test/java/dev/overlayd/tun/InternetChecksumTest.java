package dev.overlayd.tun;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

class InternetChecksumTest {

    @Test
    void matchesTheWorkedExampleOfRfc1071() {
        byte[] data = HexFormat.of().parseHex("0001f203f4f5f6f7");

        assertEquals(0xddf2, InternetChecksum.fold(InternetChecksum.sum(data, 0, data.length, 0)));
        assertEquals(0x220d, InternetChecksum.finish(InternetChecksum.sum(data, 0, data.length, 0)));
    }

    @Test
    void computesAKnownIpv4HeaderChecksum() {
        byte[] header = HexFormat.of().parseHex("450000730000400040110000c0a80001c0a800c7");

        IpHeaders.fillIpv4Checksum(header, 0, 20);

        assertEquals(0xb861, IpHeaders.u16(header, 10));
    }

    @Test
    void agreesWithAWordByWordSumAtEveryOffsetAndLength() {
        Random random = new Random(1071);
        byte[] data = new byte[2100];
        random.nextBytes(data);
        for (int off = 0; off < 9; off++) {
            for (int len = 0; len < 40; len++) {
                assertSame(data, off, len);
            }
            assertSame(data, off, 1500 + off);
            assertSame(data, off, 2091);
        }
    }

    @Test
    void foldsTheLargestSumsOfA64KiBPacket() {
        byte[] ones = new byte[65535];
        java.util.Arrays.fill(ones, (byte) 0xff);

        assertSame(ones, 0, ones.length);
    }

    @Test
    void validatesAndFillsTcpChecksums() {
        TcpPackets.Spec spec = TcpPackets.Spec.v6();
        spec.payload = new byte[333];
        new Random(6).nextBytes(spec.payload);
        byte[] p = spec.build();
        assertTrue(IpHeaders.l4ChecksumValid(p, 0, 40, p.length, InternetChecksum.TCP));

        p[100] ^= 1;
        assertFalse(IpHeaders.l4ChecksumValid(p, 0, 40, p.length, InternetChecksum.TCP));
        IpHeaders.fillL4Checksum(p, 0, 40, p.length, InternetChecksum.TCP, IpHeaders.TCP_CHECKSUM);
        assertTrue(TcpPackets.checksumsValid(p, 0, p.length));
    }

    private static void assertSame(byte[] data, int off, int len) {
        int expected = TcpPackets.checksum(data, off, len, 0);
        assertEquals(expected, InternetChecksum.finish(InternetChecksum.sum(data, off, len, 0)), "off " + off + " len " + len);
    }
}
