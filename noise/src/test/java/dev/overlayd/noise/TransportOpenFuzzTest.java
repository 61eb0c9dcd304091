package dev.overlayd.noise;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.overlayd.noise.message.TransportHeader;
import dev.overlayd.noise.message.Wire;

/**
 * Data messages into a live keypair's open, on both transport ciphers: every one opens to the
 * plaintext sealed or is refused with a negative rejection code, never an exception. The harness
 * seals a real message under the peer's key and XORs the fuzzer's mask onto it (or replays the
 * last one, or sets the counter the fuzzer picked); a message opens only when the mask left the
 * counter, ciphertext and tag alone and its counter was not opened before, and then it must open.
 */
class TransportOpenFuzzTest {
    private static final ManualClock CLOCK = new ManualClock();
    private static final TestPeers.Session SESSION = TestPeers.session(CLOCK);
    private static final TransportCipher SENDER_OPENSSL = TransportCipher.create(TransportCipher.OPENSSL);
    private static final TransportCipher SENDER_JDK = TransportCipher.create(TransportCipher.JDK);
    private static final TransportCipher OPENER_OPENSSL = TransportCipher.create(TransportCipher.OPENSSL);
    private static final TransportCipher OPENER_JDK = TransportCipher.create(TransportCipher.JDK);
    /** The last message sealed, its plaintext, and whether it was opened (a replay must not open). */
    private static byte[] last;
    private static byte[] lastPlaintext;
    private static boolean lastOpened;

    @FuzzTest
    void openDataMessages(FuzzedDataProvider data) {
        boolean jdk = data.consumeBoolean();
        int help = data.consumeInt(0, 3);
        long now = CLOCK.nanoTime() + data.consumeLong(0, Protocol.REJECT_AFTER_TIME + 1);
        TransportCipher opener = jdk ? OPENER_JDK : OPENER_OPENSSL;
        Keypair keypair = SESSION.responder();
        byte[] message;
        byte[] plaintext = null;
        boolean untouched = false;
        switch (help) {
            case 0 -> message = data.consumeRemainingAsBytes();
            case 1 -> {
                message = last == null ? new byte[0] : last.clone();
                plaintext = lastPlaintext;
                untouched = last != null && !lastOpened;
            }
            case 2 -> {
                plaintext = data.consumeBytes(data.consumeInt(0, Protocol.DEFAULT_MTU));
                message = seal(jdk, plaintext);
                long counter = data.consumeLong();
                Wire.putLong(message, 8, counter);
                untouched = counter == TransportHeader.counter(last, 0);
            }
            default -> {
                plaintext = data.consumeBytes(data.consumeInt(0, Protocol.DEFAULT_MTU));
                message = seal(jdk, plaintext);
                byte[] mask = data.consumeRemainingAsBytes();
                untouched = true;
                for (int i = 0; i < mask.length && i < message.length; i++) {
                    message[i] ^= mask[i];
                    untouched &= i < 8 || mask[i] == 0;
                }
            }
        }
        int opened = keypair.open(opener, message, 0, message.length, now);
        boolean fresh = untouched && now - keypair.created() < Protocol.REJECT_AFTER_TIME;
        assertTrue(!fresh || opened >= 0, () -> "a genuine data message refused: " + Rejection.ofCode(opened));
        if (opened >= 0) {
            lastOpened |= untouched && TransportHeader.counter(message, 0) == TransportHeader.counter(last, 0);
            assertTrue(untouched, "a data message not sealed with the key opened");
            assertTrue(now - keypair.created() < Protocol.REJECT_AFTER_TIME, "an expired keypair opened a message");
            assertArrayEquals(plaintext, Arrays.copyOfRange(message, TransportHeader.LENGTH,
                    TransportHeader.LENGTH + plaintext.length), "opened to another plaintext");
        } else {
            assertEquals(opened, Rejection.ofCode(opened).code());
        }
    }

    /** A real data message from the initiator, padded as the device pads, with room for the tag. */
    private static byte[] seal(boolean jdk, byte[] plaintext) {
        byte[] buf = new byte[TransportHeader.LENGTH + plaintext.length + 16 + TransportCipher.TAG_LENGTH];
        System.arraycopy(plaintext, 0, buf, TransportHeader.LENGTH, plaintext.length);
        int len = SESSION.initiator().seal(jdk ? SENDER_JDK : SENDER_OPENSSL, buf, 0, plaintext.length,
                Protocol.DEFAULT_MTU, CLOCK.nanoTime());
        last = Arrays.copyOf(buf, len);
        lastPlaintext = plaintext;
        lastOpened = false;
        return last.clone();
    }
}
