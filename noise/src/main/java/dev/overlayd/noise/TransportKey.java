package dev.overlayd.noise;

import javax.crypto.SecretKey;
import dev.overlayd.noise.crypto.Wipe;

/**
 * A ChaCha20-Poly1305 transport key that can be wiped: the JDK's SecretKeySpec cannot be destroyed.
 * The JDK cipher copies the bytes on each init; those copies are short-lived garbage beyond our reach.
 */
public final class TransportKey implements SecretKey {
    private final byte[] key;
    private boolean destroyed;

    TransportKey(byte[] key) {
        this.key = key.clone();
    }

    @Override
    public String getAlgorithm() {
        return "ChaCha20";
    }

    @Override
    public String getFormat() {
        return "RAW";
    }

    /** Locked against {@link #destroy()}: a cipher racing a wipe must never get a half-zeroed key. */
    @Override
    public synchronized byte[] getEncoded() {
        if (destroyed) {
            throw new IllegalStateException("transport key was wiped");
        }
        return key.clone();
    }

    @Override
    public synchronized void destroy() {
        destroyed = true;
        Wipe.bytes(key);
    }

    @Override
    public synchronized boolean isDestroyed() {
        return destroyed;
    }
}
