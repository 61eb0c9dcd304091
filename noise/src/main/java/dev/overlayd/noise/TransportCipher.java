package dev.overlayd.noise;

import java.security.GeneralSecurityException;
import java.security.InvalidAlgorithmParameterException;
import java.security.InvalidKeyException;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import dev.overlayd.noise.message.Wire;

/**
 * ChaCha20-Poly1305 for transport data through the JDK's cipher, which JDK 25 intrinsifies. Not
 * thread-safe: each worker thread owns one, so the Cipher object is made once, not per packet.
 * Works in place in heap arrays, the JDK cipher's fastest path.
 */
public final class TransportCipher {
    public static final int TAG_LENGTH = 16;
    /** What seal and open return when the keypair was wiped (retired) under them. */
    static final int WIPED = -2;

    private final Cipher cipher;
    private final byte[] nonce = new byte[12];

    public TransportCipher() {
        try {
            cipher = Cipher.getInstance("ChaCha20-Poly1305");
            // The JDK picks the provider at the first init and, should that init fail (a wiped key),
            // never picks one again: pick it now, with a throwaway key.
            cipher.init(Cipher.DECRYPT_MODE, new TransportKey(new byte[32]), nonce(0));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK has no ChaCha20-Poly1305", e);
        }
    }

    /** Encrypts buf[off, off+len) in place and appends the tag; returns len + 16, or {@link #WIPED}. */
    int seal(TransportKey key, long counter, byte[] buf, int off, int len) {
        try {
            cipher.init(Cipher.ENCRYPT_MODE, key, nonce(counter));
            return cipher.doFinal(buf, off, len, buf, off);
        } catch (IllegalStateException wiped) {
            return WIPED;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("sealing failed: " + e.getMessage(), e);
        }
    }

    /**
     * Decrypts buf[off, off+len) (ciphertext and tag) in place; returns the plaintext length, -1
     * when the message is forged, or {@link #WIPED}.
     */
    int open(TransportKey key, long counter, byte[] buf, int off, int len) {
        try {
            cipher.init(Cipher.DECRYPT_MODE, key, nonce(counter));
            return cipher.doFinal(buf, off, len, buf, off);
        } catch (IllegalStateException wiped) {
            return WIPED;
        } catch (AEADBadTagException e) {
            return -1;
        } catch (InvalidKeyException | InvalidAlgorithmParameterException e) {
            throw new IllegalStateException("opening failed: " + e.getMessage(), e);
        } catch (GeneralSecurityException e) {
            return -1;
        }
    }

    private IvParameterSpec nonce(long counter) {
        Wire.putLong(nonce, 4, counter);
        return new IvParameterSpec(nonce);
    }
}
