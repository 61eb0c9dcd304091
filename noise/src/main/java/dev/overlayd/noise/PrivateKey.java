package dev.overlayd.noise;

import java.security.SecureRandom;
import dev.overlayd.noise.crypto.Curve25519;
import dev.overlayd.noise.crypto.Wipe;

/** A clamped Curve25519 private key. Wipe it when it is replaced. */
public final class PrivateKey extends Key {
    private PrivateKey(byte[] bytes) {
        super(bytes);
        if (!isZero()) {
            Curve25519.clamp(this.bytes);
        }
    }

    /** Clamps the bytes as WireGuard does for every non-zero key it is given. */
    public static PrivateKey of(byte[] bytes) {
        return new PrivateKey(bytes);
    }

    public static PrivateKey generate(SecureRandom random) {
        byte[] raw = Curve25519.generatePrivateKey(random);
        try {
            return new PrivateKey(raw);
        } finally {
            Wipe.bytes(raw);
        }
    }

    public static PrivateKey fromBase64(String text) {
        return new PrivateKey(decodeBase64(text));
    }

    public static PrivateKey fromHex(String text) {
        return new PrivateKey(decodeHex(text));
    }

    public PublicKey publicKey() {
        return new PublicKey(Curve25519.publicKey(bytes));
    }

    /** DH(this, peer), or null for an all-zero result. */
    byte[] sharedSecret(byte[] peerPublic) {
        return Curve25519.sharedSecret(bytes, peerPublic);
    }

    public void wipe() {
        Wipe.bytes(bytes);
    }

    @Override
    public String toString() {
        return "PrivateKey(hidden)";
    }
}
