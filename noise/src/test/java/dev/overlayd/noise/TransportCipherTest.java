package dev.overlayd.noise;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Both implementations against known answers, against each other, forgeries, wipes and wipes racing packets. */
class TransportCipherTest {
    private static final HexFormat HEX = HexFormat.of();
    private static final int TAG = TransportCipher.TAG_LENGTH;
    private static final int LARGEST = 65472;

    /** CI installs libssl3: without it the data path silently runs at the JDK's speed, so this fails rather than skips. */
    @Test
    void libcryptoLoadsOnThisMachineAndIsTheDefault() {
        assertNull(OpenSslTransportCipher.unavailable(), "libcrypto.so.3 (Debian's libssl3) should load here");
        assertEquals(TransportCipher.OPENSSL, TransportCipher.implementation());
    }

    @Test
    void anUnknownImplementationIsAClearError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TransportCipher.create("aes"));
        assertTrue(e.getMessage().contains("jdk or openssl"), e.getMessage());
    }

    /**
     * RFC 8439 §2.8.2's key and plaintext in WireGuard's layout: no additional data, and the nonce
     * four zero bytes and the counter little-endian, here 0x4746454443424140 for the RFC's nonce
     * bytes 40..47 (its leading 07 becomes 00). The expected bytes are from Python's cryptography
     * package (OpenSSL underneath, hence also the JDK's check), which reproduces the RFC's own
     * ciphertext and tag with the RFC's nonce and additional data.
     */
    @ParameterizedTest
    @ValueSource(strings = {TransportCipher.JDK, TransportCipher.OPENSSL})
    void sealsAndOpensRfc8439sVectorInWireGuardsNonceLayout(String implementation) {
        TransportCipher cipher = TransportCipher.create(implementation);
        TransportKey key = new TransportKey(ascendingFrom(0x80, 32));
        byte[] plaintext = ("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future,"
                + " sunscreen would be it.").getBytes(StandardCharsets.US_ASCII);
        String expected = "a479cb54628946d6f4042a8e384ef4bd2fbc7330b8be55eb2d8dc18aaa51d66a8ec1f8d3619a258db0ac56956015b7"
                + "b4937e9b8e6aa957b3dc0214d803d77660aabc913092971da8f207171ce7843608162e2e759d8efc25d8d0936990af63"
                + "c820ba87e8a955b5c8274ef7d10f6fafd04647fa6775577a1a250dcc2df37e95e46c4a";
        long counter = 0x4746454443424140L;
        int off = 3;
        byte[] buf = new byte[off + plaintext.length + TAG + 2];
        System.arraycopy(plaintext, 0, buf, off, plaintext.length);

        assertEquals(plaintext.length + TAG, cipher.seal(key, counter, buf, off, plaintext.length));
        assertEquals(expected, HEX.formatHex(buf, off, off + plaintext.length + TAG));
        assertEquals(plaintext.length, cipher.open(key, counter, buf, off, plaintext.length + TAG));
        assertArrayEquals(plaintext, Arrays.copyOfRange(buf, off, off + plaintext.length));
    }

    /** A keepalive: no plaintext, only the tag (also from Python's cryptography). */
    @ParameterizedTest
    @ValueSource(strings = {TransportCipher.JDK, TransportCipher.OPENSSL})
    void anEmptyMessageIsItsTag(String implementation) {
        TransportCipher cipher = TransportCipher.create(implementation);
        TransportKey key = new TransportKey(ascendingFrom(0x80, 32));
        byte[] buf = new byte[TAG];
        assertEquals(TAG, cipher.seal(key, 0, buf, 0, 0));
        assertEquals("3ae5d3f2a376d317eaea5aef0215ba54", HEX.formatHex(buf));
        assertEquals(0, cipher.open(key, 0, buf, 0, TAG));
    }

    /** Sealed by one, the same bytes as sealed by the other, and opened by the other, each way. */
    @Test
    void theImplementationsAgreeAtRandomSizesAndOffsets() {
        Random random = new Random(0x8439);
        TransportCipher jdk = TransportCipher.create(TransportCipher.JDK);
        TransportCipher openssl = TransportCipher.create(TransportCipher.OPENSSL);
        TransportKey key = new TransportKey(bytes(random, 32));
        List<Integer> sizes = new java.util.ArrayList<>(List.of(0, 1, 15, 16, 17, 63, 64, 65, 1420, LARGEST));
        for (int i = 0; i < 300; i++) {
            sizes.add(random.nextInt(i % 3 == 0 ? LARGEST + 1 : 2048));
        }
        long counter = 0;
        for (int size : sizes) {
            for (boolean jdkSeals : new boolean[] {true, false}) {
                TransportCipher sealer = jdkSeals ? jdk : openssl;
                TransportCipher opener = jdkSeals ? openssl : jdk;
                byte[] plaintext = bytes(random, size);
                int off = random.nextInt(64);
                byte[] sealed = new byte[off + size + TAG + random.nextInt(8)];
                System.arraycopy(plaintext, 0, sealed, off, size);
                byte[] sealedByOther = sealed.clone();
                counter += 1 + random.nextInt(1000);
                String what = "size " + size + ", offset " + off + ", sealed by " + (jdkSeals ? "jdk" : "openssl");

                assertEquals(size + TAG, sealer.seal(key, counter, sealed, off, size), what);
                assertEquals(size + TAG, opener.seal(key, counter, sealedByOther, off, size), what);
                assertArrayEquals(sealedByOther, sealed, what);
                assertEquals(size, opener.open(key, counter, sealed, off, size + TAG), what);
                assertTrue(Arrays.equals(plaintext, 0, size, sealed, off, off + size), what);
            }
        }
    }

    /** A flipped bit anywhere in ciphertext or tag, or the wrong counter: -1, and none of the plaintext left behind. */
    @ParameterizedTest
    @ValueSource(strings = {TransportCipher.JDK, TransportCipher.OPENSSL})
    void aForgeryFailsAndLeavesNoPlaintext(String implementation) {
        Random random = new Random(0xF0F0);
        TransportCipher cipher = TransportCipher.create(implementation);
        TransportKey key = new TransportKey(bytes(random, 32));
        // A counter per size: the JDK's cipher refuses to seal under the key and nonce of its last init.
        for (int size : new int[] {0, 1, 16, 100, 1420}) {
            long counter = size;
            byte[] plaintext = bytes(random, size);
            byte[] message = Arrays.copyOf(plaintext, size + TAG);
            cipher.seal(key, counter, message, 0, size);
            for (int position = 0; position < size + TAG; position += 1 + size / 50) {
                byte[] forged = message.clone();
                forged[position] ^= (byte) (1 << random.nextInt(8));
                assertEquals(-1, cipher.open(key, counter, forged, 0, forged.length), "size " + size + ", byte " + position);
                assertNoPlaintextLeft(plaintext, forged);
            }
            byte[] replayedElsewhere = message.clone();
            assertEquals(-1, cipher.open(key, counter + 1, replayedElsewhere, 0, replayedElsewhere.length), "wrong counter");
            assertNoPlaintextLeft(plaintext, replayedElsewhere);
            assertEquals(-1, cipher.open(key, counter, message.clone(), 0, TAG - 1), "shorter than a tag");
            assertEquals(size, cipher.open(key, counter, message, 0, message.length), "the genuine message after the forgeries");
        }
    }

    private static void assertNoPlaintextLeft(byte[] plaintext, byte[] forged) {
        if (plaintext.length >= 8) {
            assertFalse(Arrays.equals(plaintext, 0, plaintext.length, forged, 0, plaintext.length),
                    "a forgery's plaintext was left in the buffer");
        }
    }

    /** Whether or not the key was ever used (OpenSSL: whether it has a native context to free). */
    @ParameterizedTest
    @ValueSource(strings = {TransportCipher.JDK, TransportCipher.OPENSSL})
    void aWipedKeyNeitherSealsNorOpens(String implementation) {
        TransportCipher cipher = TransportCipher.create(implementation);
        for (boolean usedBefore : new boolean[] {true, false}) {
            TransportKey key = new TransportKey(ascendingFrom(1, 32));
            byte[] message = new byte[40 + TAG];
            if (usedBefore) {
                assertEquals(40 + TAG, cipher.seal(key, 1, message, 0, 40));
            }
            key.destroy();
            key.destroy();
            assertEquals(TransportCipher.WIPED, cipher.seal(key, 2, new byte[40 + TAG], 0, 40), "used before: " + usedBefore);
            assertEquals(TransportCipher.WIPED, cipher.open(key, 1, message, 0, message.length), "used before: " + usedBefore);
        }
    }

    /**
     * Keys wiped at random moments while two threads seal and two open under them in a loop: every
     * answer is a valid message, the genuine plaintext, or WIPED (and WIPED for good once seen); never
     * a crash (a free under a native call) nor a forgery verdict.
     */
    @ParameterizedTest
    @ValueSource(strings = {TransportCipher.JDK, TransportCipher.OPENSSL})
    void wipesRacingSealsAndOpensAreSafe(String implementation) throws InterruptedException {
        Random random = new Random(0x7ACE);
        int size = 1420;
        byte[] plaintext = bytes(random, size);
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        for (int round = 0; round < 40; round++) {
            TransportKey key = new TransportKey(bytes(random, 32));
            byte[] message = Arrays.copyOf(plaintext, size + TAG);
            TransportCipher.create(implementation).seal(key, 0, message, 0, size);
            AtomicBoolean wiped = new AtomicBoolean();
            CountDownLatch started = new CountDownLatch(4);
            Thread[] threads = new Thread[4];
            for (int t = 0; t < threads.length; t++) {
                boolean sealing = t % 2 == 0;
                threads[t] = Thread.ofPlatform().start(() -> {
                    TransportCipher cipher = TransportCipher.create(implementation);
                    byte[] buf = new byte[size + TAG];
                    started.countDown();
                    boolean sawWiped = false;
                    long counter = 1;
                    while (true) {
                        boolean wipedBefore = wiped.get();
                        int result;
                        if (sealing) {
                            result = cipher.seal(key, counter++, buf, 0, size);
                        } else {
                            System.arraycopy(message, 0, buf, 0, message.length);
                            result = cipher.open(key, 0, buf, 0, message.length);
                        }
                        if (result == TransportCipher.WIPED) {
                            sawWiped = true;
                        } else if (sawWiped || wipedBefore) {
                            failures.add(implementation + ": " + result + " after the wipe");
                        } else if (result != (sealing ? size + TAG : size)
                                || !sealing && !Arrays.equals(plaintext, 0, size, buf, 0, size)) {
                            failures.add(implementation + ": " + (sealing ? "seal" : "open") + " answered " + result);
                        }
                        if (sawWiped) {
                            return;
                        }
                    }
                });
            }
            started.await();
            Thread.sleep(random.nextInt(3));
            key.destroy();
            wiped.set(true);
            for (Thread thread : threads) {
                thread.join(10_000);
                assertFalse(thread.isAlive(), "a thread did not see the wipe");
            }
        }
        assertEquals(List.of(), List.copyOf(failures));
    }

    private static byte[] bytes(Random random, int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }

    private static byte[] ascendingFrom(int first, int length) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) (first + i);
        }
        return bytes;
    }
}
