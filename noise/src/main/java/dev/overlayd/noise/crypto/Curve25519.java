package dev.overlayd.noise.crypto;

import java.security.SecureRandom;
import org.bouncycastle.math.ec.rfc7748.X25519;

/** X25519 through Bouncy Castle, with WireGuard's rules: clamped private keys, all-zero results refused. */
public final class Curve25519 {
    public static final int KEY_LENGTH = 32;

    private Curve25519() {}

    public static byte[] generatePrivateKey(SecureRandom random) {
        byte[] key = new byte[KEY_LENGTH];
        random.nextBytes(key);
        clamp(key);
        return key;
    }

    public static void clamp(byte[] key) {
        key[0] &= (byte) 248;
        key[31] = (byte) ((key[31] & 127) | 64);
    }

    public static byte[] publicKey(byte[] privateKey) {
        byte[] pub = new byte[KEY_LENGTH];
        X25519.scalarMultBase(privateKey, 0, pub, 0);
        return pub;
    }

    /** DH(sk, pk), or null when the result is all zeros (a low-order point): the handshake must abort. */
    public static byte[] sharedSecret(byte[] privateKey, byte[] publicKey) {
        byte[] out = new byte[KEY_LENGTH];
        if (!X25519.calculateAgreement(privateKey, 0, publicKey, 0, out, 0)) {
            return null;
        }
        return out;
    }
}
