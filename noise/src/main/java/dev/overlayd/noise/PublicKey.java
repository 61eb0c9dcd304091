package dev.overlayd.noise;

/** A peer's static (or ephemeral) Curve25519 public key. */
public final class PublicKey extends Key {
    public PublicKey(byte[] bytes) {
        super(bytes);
    }

    public static PublicKey fromBase64(String text) {
        return new PublicKey(decodeBase64(text));
    }

    public static PublicKey fromHex(String text) {
        return new PublicKey(decodeHex(text));
    }

    @Override
    public String toString() {
        return toBase64();
    }
}
