package dev.overlayd.noise;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import dev.overlayd.noise.crypto.Blake2s;

/** Known-answer vectors from the reference, and the encodings every peer must agree on. */
class ProtocolVectorsTest {
    private static final HexFormat HEX = HexFormat.of();

    @Test
    void kdfMatchesWireguardGoVectors() {
        byte[][] t = Blake2s.kdf(3, ascii("test-key"), ascii("test-input"));
        assertEquals("6f0e5ad38daba1bea8a0d213688736f19763239305e0f58aba697f9ffc41c633", HEX.formatHex(t[0]));
        assertEquals("df1194df20802a4fe594cde27e92991c8cae66c366e8106aaa937a55fa371e8a", HEX.formatHex(t[1]));
        assertEquals("fac6e2745a325f5dc5d11a5b165aad08b0ada28e7b4e666b7c077934a4d76c24", HEX.formatHex(t[2]));
        assertEquals("8387b46bf43eccfcf349552a095d8315c4055beb90208fb1be23b894bc2ed5d0",
                HEX.formatHex(Blake2s.kdf(1, new byte[0], new byte[0])[0]));
    }

    @Test
    void kdfOutputsArePrefixesOfEachOther() {
        byte[][] three = Blake2s.kdf(3, ascii("k"), ascii("i"));
        byte[][] two = Blake2s.kdf(2, ascii("k"), ascii("i"));
        assertArrayEquals(three[0], two[0]);
        assertArrayEquals(three[1], two[1]);
    }

    @Test
    void initialChainKeyAndHash() {
        assertEquals("60e26daef327efc02ec335e2a025d2d016eb4206f87277f52d38d1988b78cd36",
                HEX.formatHex(Protocol.initialChainKey()));
        assertEquals("2211b361081ac566691243db458ad5322d9c6c662293e8b70ee19c65ba079ef3",
                HEX.formatHex(Protocol.initialHash()));
    }

    @Test
    void tai64nIsBigEndianTaiWithWhitenedNanoseconds() {
        long epochNanos = 1_700_000_000L * 1_000_000_000L + 123_456_789L;
        byte[] t = Tai64n.of(epochNanos);
        assertEquals("400000006553f10a", HEX.formatHex(t, 0, 8));
        assertEquals(123_456_789 & ~0xffffff, ((t[8] & 0xff) << 24) | ((t[9] & 0xff) << 16) | ((t[10] & 0xff) << 8) | (t[11] & 0xff));
        assertEquals(0, t[11]);
    }

    @Test
    void tai64nOrdersByTimeAtWhitenerGranularity() {
        long base = 1_700_000_000L * 1_000_000_000L;
        assertFalse(Tai64n.isAfter(Tai64n.of(base + 1_000_000), Tai64n.of(base)), "within 16.8 ms: equal");
        assertTrue(Tai64n.isAfter(Tai64n.of(base + 17_000_000), Tai64n.of(base)));
        assertTrue(Tai64n.isAfter(Tai64n.of(base + 1_000_000_000L), Tai64n.of(base + 999_000_000L)));
        assertFalse(Tai64n.isAfter(Tai64n.of(base), Tai64n.of(base + 1_000_000_000L)));
        assertTrue(Tai64n.isAfter(Tai64n.of(base), null));
    }

    @Test
    void keysRoundTripThroughBase64AndHex() {
        PrivateKey key = PrivateKey.generate(new SecureRandom());
        assertEquals(key, PrivateKey.fromBase64(key.toBase64()));
        assertEquals(key, PrivateKey.fromHex(key.toHex().toUpperCase()));
        PublicKey pub = key.publicKey();
        assertEquals(pub, PublicKey.fromBase64(pub.toBase64()));
        assertEquals(pub, PublicKey.fromHex(pub.toHex()));
        assertFalse(key.toString().contains(key.toBase64()), "private keys never print");
    }

    @Test
    void privateKeysAreClampedButZeroStaysZero() {
        byte[] raw = new byte[32];
        java.util.Arrays.fill(raw, (byte) 0xff);
        byte[] clamped = PrivateKey.of(raw).bytes();
        assertEquals((byte) 0xf8, clamped[0]);
        assertEquals((byte) 0x7f, clamped[31]);
        assertTrue(PrivateKey.of(new byte[32]).isZero());
    }

    @Test
    void x25519MatchesRfc7748() {
        PrivateKey alice = PrivateKey.fromHex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
        assertEquals("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a", alice.publicKey().toHex());
        byte[] bob = HEX.parseHex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
        assertEquals("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742",
                HEX.formatHex(alice.sharedSecret(bob)));
        assertEquals(null, alice.sharedSecret(new byte[32]), "a low-order point gives no secret");
    }

    @Test
    void malformedKeyTextIsRefusedWithAMessage() {
        for (String bad : new String[] {"", "abc", "not base64 at all but exactly 44 characters!", "A".repeat(42) + "=="}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PublicKey.fromBase64(bad));
            assertTrue(e.getMessage().contains("base64"));
        }
        assertThrows(IllegalArgumentException.class, () -> PublicKey.fromHex("zz".repeat(32)));
        assertThrows(IllegalArgumentException.class, () -> PublicKey.fromHex("00".repeat(31)));
    }

    @Test
    void rejectionCodesRoundTrip() {
        for (Rejection r : Rejection.values()) {
            assertTrue(r.code() < 0);
            assertEquals(r, Rejection.ofCode(r.code()));
        }
        assertThrows(IllegalArgumentException.class, () -> Rejection.ofCode(0));
        assertThrows(IllegalArgumentException.class, () -> Rejection.ofCode(-1 - Rejection.values().length));
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
