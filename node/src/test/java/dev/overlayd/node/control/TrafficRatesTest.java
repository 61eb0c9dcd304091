package dev.overlayd.node.control;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Set;
import dev.overlayd.noise.PublicKey;
import org.junit.jupiter.api.Test;

class TrafficRatesTest {
    private static final long SECOND = 1_000_000_000L;
    private final PublicKey a = new PublicKey(new byte[32]);
    private final PublicKey b = new PublicKey(filled(1));
    private final TrafficRates rates = new TrafficRates();

    private static byte[] filled(int value) {
        byte[] bytes = new byte[32];
        java.util.Arrays.fill(bytes, (byte) value);
        return bytes;
    }

    @Test
    void oneSampleIsNoRateYet() {
        rates.sample(a, 0, 1000, 1000);
        assertEquals(new TrafficRates.Rate(0, 0), rates.rate(a));
        assertEquals(new TrafficRates.Rate(0, 0), rates.rate(b));
    }

    @Test
    void rateIsBitsPerSecondOverTheWindow() {
        rates.sample(a, 0, 0, 0);
        rates.sample(a, SECOND, 1000, 0);
        rates.sample(a, 2 * SECOND, 3000, 500);
        // 3000 bytes received in 2 s: 12,000 bit/s; 500 sent: 2,000 bit/s.
        assertEquals(new TrafficRates.Rate(12_000, 2_000), rates.rate(a));
    }

    @Test
    void oldSamplesLeaveTheWindowSoABurstFades() {
        rates.sample(a, 0, 0, 0);
        rates.sample(a, SECOND, 1_000_000, 0);
        for (int s = 2; s <= TrafficRates.WINDOW; s++) {
            rates.sample(a, s * SECOND, 1_000_000, 0);
        }
        assertEquals(new TrafficRates.Rate(0, 0), rates.rate(a));
    }

    @Test
    void peersAreIndependentAndForgottenWhenGone() {
        rates.sample(a, 0, 0, 0);
        rates.sample(b, 0, 0, 0);
        rates.sample(a, SECOND, 125, 0);
        rates.sample(b, SECOND, 0, 250);
        assertEquals(new TrafficRates.Rate(1000, 0), rates.rate(a));
        assertEquals(new TrafficRates.Rate(0, 2000), rates.rate(b));
        rates.retain(Set.of(b));
        assertEquals(new TrafficRates.Rate(0, 0), rates.rate(a));
        assertEquals(new TrafficRates.Rate(0, 2000), rates.rate(b));
    }

    @Test
    void aCounterGoingBackwardsIsNoNegativeRate() {
        rates.sample(a, 0, 5000, 5000);
        rates.sample(a, SECOND, 0, 0);
        assertEquals(new TrafficRates.Rate(0, 0), rates.rate(a));
    }
}
