package dev.overlayd.membership.identity;

import java.security.SecureRandom;
import dev.overlayd.noise.PrivateKey;

/** Keys for tests that need a certificate but not the key's owner. */
public final class TestKeys {
    private TestKeys() {}

    /** Some node's record-signing key: where only the CA's or admission's checks are tested, whose does not matter. */
    public static VerifyingKey signingKey() {
        try (SigningKey key = SigningKey.derive(PrivateKey.generate(new SecureRandom()))) {
            return key.verifyingKey();
        }
    }
}
