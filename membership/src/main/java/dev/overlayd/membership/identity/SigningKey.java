package dev.overlayd.membership.identity;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import dev.overlayd.noise.PrivateKey;
import org.bouncycastle.crypto.digests.Blake2sDigest;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519ctxSigner;

/**
 * The key a node signs what it says about itself with (its member records), so that no one else
 * can speak for it: not another member, a static host, nor a local process that shares its overlay
 * address. Ed25519, derived from the node's WireGuard private key (a keyed BLAKE2s of a fixed label
 * gives the seed), so a node keeps one key file and anyone who holds that file could already act as
 * the node; the CA binds the public half into the node's certificate beside the WireGuard key.
 * An X25519 key cannot sign, and XEdDSA has no maintained pure-Java implementation.
 *
 * <p>Signatures are Ed25519ctx (RFC 8032) with the domain as context, so a signature over one kind
 * of message never verifies as another kind.
 */
public final class SigningKey implements AutoCloseable {
    private static final byte[] LABEL = "overlayd member signing key v1".getBytes(StandardCharsets.US_ASCII);

    private final byte[] seed;
    private final Ed25519PrivateKeyParameters key;

    private SigningKey(byte[] seed) {
        this.seed = seed;
        this.key = new Ed25519PrivateKeyParameters(seed, 0);
    }

    /** The signing key of the node whose WireGuard private key is {@code wireGuardKey}. */
    public static SigningKey derive(PrivateKey wireGuardKey) {
        byte[] secret = wireGuardKey.bytes();
        try {
            Blake2sDigest kdf = new Blake2sDigest(secret, 32, null, null);
            kdf.update(LABEL, 0, LABEL.length);
            byte[] seed = new byte[32];
            kdf.doFinal(seed, 0);
            return new SigningKey(seed);
        } finally {
            Arrays.fill(secret, (byte) 0);
        }
    }

    public VerifyingKey verifyingKey() {
        return new VerifyingKey(key.generatePublicKey().getEncoded());
    }

    /** Signs {@code message} for {@code domain}, e.g. "gossip record v2"; 64 bytes. */
    public byte[] sign(String domain, byte[] message) {
        Ed25519ctxSigner signer = new Ed25519ctxSigner(VerifyingKey.context(domain));
        signer.init(true, key);
        signer.update(message, 0, message.length);
        return signer.generateSignature();
    }

    /** Wipes the seed. BC keeps its own copy of the key inside the parameters, out of reach. */
    @Override
    public void close() {
        Arrays.fill(seed, (byte) 0);
    }

    @Override
    public String toString() {
        return "SigningKey(hidden)";
    }
}
