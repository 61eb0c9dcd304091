package dev.overlayd.noise;

import javax.crypto.SecretKey;
import dev.overlayd.noise.crypto.Wipe;

/**
 * A ChaCha20-Poly1305 transport key that can be wiped: the JDK's SecretKeySpec cannot be destroyed.
 * The JDK cipher copies the bytes on each init; those copies are short-lived garbage beyond our reach.
 * The OpenSSL cipher keeps its context, which holds the key, here, made at the first use and freed
 * (cleansed) by {@link #destroy()}; both happen under this key's lock, as does every use of the
 * context, so a seal or open racing a wipe either finishes before the free or sees the key wiped.
 */
public final class TransportKey implements SecretKey {
    private final byte[] key;
    private boolean destroyed;
    private LibCrypto.Context context;

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

    /**
     * This key's libcrypto context, made on the first call; null once the key is wiped. Only
     * under this key's lock, which the caller holds for as long as it uses the context.
     */
    LibCrypto.Context context() {
        assert Thread.holdsLock(this);
        if (context == null && !destroyed) {
            context = LibCrypto.context(key);
        }
        return context;
    }

    @Override
    public synchronized void destroy() {
        destroyed = true;
        Wipe.bytes(key);
        if (context != null) {
            context.free();
            context = null;
        }
    }

    @Override
    public synchronized boolean isDestroyed() {
        return destroyed;
    }
}
