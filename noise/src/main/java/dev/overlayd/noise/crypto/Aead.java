package dev.overlayd.noise.crypto;

import java.util.Arrays;
import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.modes.ChaCha20Poly1305;
import org.bouncycastle.crypto.modes.XChaCha20Poly1305;
import org.bouncycastle.crypto.params.AEADParameters;
import org.bouncycastle.crypto.params.KeyParameter;

/**
 * ChaCha20-Poly1305 with counter 0 for the handshake, and XChaCha20-Poly1305 for cookie replies.
 * Bouncy Castle here, a fresh cipher each call: these run a few times per handshake, and a fresh
 * instance never trips the nonce-reuse guard that a shared one would.
 */
public final class Aead {
    public static final int TAG_LENGTH = 16;
    private static final byte[] ZERO_NONCE = new byte[12];

    private Aead() {}

    public static byte[] seal(byte[] key, byte[] plaintext, byte[] ad) {
        return run(new ChaCha20Poly1305(), true, key, ZERO_NONCE, plaintext, 0, plaintext.length, ad);
    }

    /** Opens ciphertext[off, off+len) or returns null when it does not authenticate. */
    public static byte[] open(byte[] key, byte[] ciphertext, int off, int len, byte[] ad) {
        return run(new ChaCha20Poly1305(), false, key, ZERO_NONCE, ciphertext, off, len, ad);
    }

    public static byte[] xseal(byte[] key, byte[] nonce24, byte[] plaintext, byte[] ad) {
        return run(new XChaCha20Poly1305(), true, key, nonce24, plaintext, 0, plaintext.length, ad);
    }

    public static byte[] xopen(byte[] key, byte[] nonce24, byte[] ciphertext, int off, int len, byte[] ad) {
        return run(new XChaCha20Poly1305(), false, key, nonce24, ciphertext, off, len, ad);
    }

    private static byte[] run(ChaCha20Poly1305 cipher, boolean encrypt, byte[] key, byte[] nonce,
                              byte[] in, int off, int len, byte[] ad) {
        if (!encrypt && len < TAG_LENGTH) {
            return null;
        }
        cipher.init(encrypt, new AEADParameters(new KeyParameter(key), TAG_LENGTH * 8, nonce, ad));
        byte[] out = new byte[cipher.getOutputSize(len)];
        int n = cipher.processBytes(in, off, len, out, 0);
        try {
            n += cipher.doFinal(out, n);
        } catch (InvalidCipherTextException e) {
            Wipe.bytes(out);
            return null;
        }
        return n == out.length ? out : Arrays.copyOf(out, n);
    }
}
