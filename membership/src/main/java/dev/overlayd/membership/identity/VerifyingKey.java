package dev.overlayd.membership.identity;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519ctxSigner;

/** The public half of a node's {@link SigningKey}, as its certificate binds it: 32 bytes of Ed25519. */
public final class VerifyingKey {
    public static final int LENGTH = 32;
    public static final int SIGNATURE_LENGTH = 64;

    private final byte[] bytes;

    public VerifyingKey(byte[] bytes) {
        if (bytes.length != LENGTH) {
            throw new IllegalArgumentException("an Ed25519 public key is 32 bytes, not " + bytes.length);
        }
        this.bytes = bytes.clone();
    }

    public byte[] bytes() {
        return bytes.clone();
    }

    /** Whether {@code signature} is this key's over {@code message} for {@code domain}; never throws for bad input. */
    public boolean verifies(String domain, byte[] message, byte[] signature) {
        if (signature == null || signature.length != SIGNATURE_LENGTH) {
            return false;
        }
        try {
            Ed25519ctxSigner verifier = new Ed25519ctxSigner(context(domain));
            verifier.init(false, new Ed25519PublicKeyParameters(bytes, 0));
            verifier.update(message, 0, message.length);
            return verifier.verifySignature(signature);
        } catch (RuntimeException e) {
            // A point that does not decode: no signature verifies under it.
            return false;
        }
    }

    static byte[] context(String domain) {
        byte[] context = ("overlayd " + domain).getBytes(StandardCharsets.US_ASCII);
        if (context.length > 255) {
            throw new IllegalArgumentException("an Ed25519ctx context is at most 255 bytes");
        }
        return context;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof VerifyingKey k && Arrays.equals(bytes, k.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return Base64.getEncoder().encodeToString(bytes);
    }
}
