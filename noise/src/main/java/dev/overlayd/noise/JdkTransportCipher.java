package dev.overlayd.noise;

import java.security.GeneralSecurityException;
import java.security.InvalidAlgorithmParameterException;
import java.security.InvalidKeyException;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import dev.overlayd.noise.message.Wire;

/**
 * ChaCha20-Poly1305 through the JDK's cipher, which JDK 25 intrinsifies: the fallback when
 * libcrypto is unavailable. The Cipher object is made once per thread, but initialized with the
 * key for every packet: Cipher.init takes the key and the nonce together. The key bytes it copies
 * at each init are short-lived garbage beyond our reach. Decryption authenticates before it writes
 * any plaintext, so a forgery leaves the buffer as it was.
 */
final class JdkTransportCipher extends TransportCipher {
    private final Cipher cipher;
    private final byte[] nonce = new byte[12];

    JdkTransportCipher() {
        try {
            cipher = Cipher.getInstance("ChaCha20-Poly1305");
            // The JDK picks the provider at the first init and, should that init fail (a wiped key),
            // never picks one again: pick it now, with a throwaway key.
            cipher.init(Cipher.DECRYPT_MODE, new TransportKey(new byte[32]), nonce(0));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK has no ChaCha20-Poly1305", e);
        }
    }

    @Override
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

    @Override
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
