package dev.overlayd.noise;

import javax.crypto.SecretKey;
import dev.overlayd.noise.crypto.Wipe;

/**
 * A ChaCha20-Poly1305 transport key that can be wiped: the JDK's SecretKeySpec cannot be destroyed.
 * The JDK cipher copies the bytes on each init; those copies are short-lived garbage beyond our reach.
 */
public final class TransportKey implements SecretKey {
    private final byte[] key;
    private volatile boolean destroyed;

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

    @Override
    public byte[] getEncoded() {
        if (destroyed) {
            throw new IllegalStateException("transport key was wiped");
        }
        return key.clone();
    }

    @Override
    public void destroy() {
        destroyed = true;
        Wipe.bytes(key);
    }

    @Override
    public boolean isDestroyed() {
        return destroyed;
    }
}
