package dev.overlayd.membership.gossip;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.overlayd.noise.PrivateKey;

/**
 * The join's Noise_XX messages into the side that reads them, at each step: the member reading a
 * first or third message, the joiner a second or the welcome. Each read gives a payload or throws
 * a GeneralSecurityException (which the node counts as a drop); nothing else, and the payload,
 * a gossip message, decodes or is Dropped. The harness runs a real exchange up to the step the
 * fuzzer picked and XORs the fuzzer's bytes onto that step's real message: from step 2 on, what
 * the keys protect reads only when the mask left the Noise message alone, and then gives the
 * payload the other side wrote.
 */
class JoinMessagesFuzzTest {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final byte[] PROLOGUE = "overlayd fuzz cluster".getBytes();
    private static final PrivateKey JOINER = PrivateKey.generate(RANDOM);
    private static final PrivateKey MEMBER = PrivateKey.generate(RANDOM);

    @FuzzTest
    void joinMessages(FuzzedDataProvider data) throws GeneralSecurityException {
        int step = data.consumeInt(1, 4);
        boolean raw = data.consumeBoolean();
        byte[] payload = data.consumeBytes(data.consumeInt(0, 300));
        try (JoinExchange joiner = JoinExchange.joiner(JOINER, PROLOGUE, 7);
             JoinExchange member = JoinExchange.member(MEMBER, PROLOGUE, 7)) {
            byte[] real = null;
            JoinExchange reader = member;
            for (int s = 1; s <= step; s++) {
                JoinExchange writer = s % 2 == 1 ? joiner : member;
                reader = s % 2 == 1 ? member : joiner;
                byte[] message = s == 4 ? member.welcome(payload) : writer.write(s, payload);
                if (s == step) {
                    real = message;
                } else {
                    reader.read(message);
                }
            }
            byte[] mask = data.consumeRemainingAsBytes();
            byte[] message = raw ? mask : real.clone();
            boolean untouched = !raw;
            if (!raw) {
                int noise = step == 1 ? JoinExchange.HEADER + JoinCookies.LENGTH : JoinExchange.HEADER;
                for (int i = 0; i < mask.length && i < message.length; i++) {
                    message[i] ^= mask[i];
                    untouched &= i < noise || mask[i] == 0;
                }
            }
            byte[] read;
            try {
                read = step == 4 ? joiner.openWelcome(message) : reader.read(message);
            } catch (GeneralSecurityException e) {
                return;
            }
            if (step > 1) {
                assertTrue(untouched, "a join message not written with the key was read at step " + step);
                assertArrayEquals(payload, read);
            }
            try {
                GossipMessage.decode(read);
            } catch (Dropped e) {
                // Counted as a drop.
            }
        }
    }
}
