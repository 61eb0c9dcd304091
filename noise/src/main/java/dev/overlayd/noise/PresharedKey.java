package dev.overlayd.noise;

import dev.overlayd.noise.crypto.Wipe;

/** The optional symmetric key mixed in by the psk2 modifier; all zeros when a peer has none. */
public final class PresharedKey extends Key {
    public static final PresharedKey NONE = new PresharedKey(new byte[LENGTH]);

    public PresharedKey(byte[] bytes) {
        super(bytes);
    }

    public static PresharedKey fromBase64(String text) {
        return new PresharedKey(decodeBase64(text));
    }

    public static PresharedKey fromHex(String text) {
        return new PresharedKey(decodeHex(text));
    }

    public void wipe() {
        if (this != NONE) {
            Wipe.bytes(bytes);
        }
    }

    @Override
    public String toString() {
        return "PresharedKey(hidden)";
    }
}
