package dev.overlayd.noise;

import dev.overlayd.noise.crypto.Aead;
import dev.overlayd.noise.crypto.Blake2s;
import dev.overlayd.noise.crypto.Wipe;

/**
 * Noise's chaining key C and transcript hash H for IKpsk2. Noise-Java's HandshakeState has no psk
 * modifiers, so the sequence is built here from the primitives, step by step as the WireGuard
 * paper writes it.
 */
final class SymmetricState {
    private byte[] chainKey;
    private byte[] hash;

    private SymmetricState(byte[] chainKey, byte[] hash) {
        this.chainKey = chainKey;
        this.hash = hash;
    }

    /** C0 and H = HASH(H0 || responder's static public key), where both sides start. */
    static SymmetricState start(PublicKey responderStatic) {
        SymmetricState s = new SymmetricState(Protocol.initialChainKey(), Protocol.initialHash());
        s.mixHash(responderStatic.bytes);
        return s;
    }

    SymmetricState copy() {
        return new SymmetricState(chainKey.clone(), hash.clone());
    }

    byte[] hash() {
        return hash.clone();
    }

    byte[] chainKey() {
        return chainKey.clone();
    }

    void mixHash(byte[] data) {
        byte[] next = Blake2s.hash(hash, data);
        Wipe.bytes(hash);
        hash = next;
    }

    /** C = KDF1(C, input): how ephemerals (psk mode) and the response's ee and se enter the chain. */
    void mixChain(byte[] input) {
        byte[] next = Blake2s.kdf(1, chainKey, input)[0];
        Wipe.bytes(chainKey);
        chainKey = next;
    }

    /** (C, k) = KDF2(C, input); returns k. */
    byte[] mixKey(byte[] input) {
        byte[][] out = Blake2s.kdf(2, chainKey, input);
        Wipe.bytes(chainKey);
        chainKey = out[0];
        return out[1];
    }

    /** (C, tau, k) = KDF3(C, psk); H = HASH(H || tau); returns k. */
    byte[] mixKeyAndHash(byte[] psk) {
        byte[][] out = Blake2s.kdf(3, chainKey, psk);
        Wipe.bytes(chainKey);
        chainKey = out[0];
        mixHash(out[1]);
        Wipe.bytes(out[1]);
        return out[2];
    }

    byte[] encryptAndHash(byte[] key, byte[] plaintext) {
        byte[] ciphertext = Aead.seal(key, plaintext, hash);
        Wipe.bytes(key);
        mixHash(ciphertext);
        return ciphertext;
    }

    /** The plaintext, or null (and H unchanged) when the ciphertext does not authenticate. */
    byte[] decryptAndHash(byte[] key, byte[] ciphertext) {
        byte[] plaintext = Aead.open(key, ciphertext, 0, ciphertext.length, hash);
        Wipe.bytes(key);
        if (plaintext != null) {
            mixHash(ciphertext);
        }
        return plaintext;
    }

    /** (T1, T2) = KDF2(C, empty): the initiator's sending and receiving keys. Wipes this state. */
    byte[][] split() {
        byte[][] keys = Blake2s.kdf(2, chainKey, new byte[0]);
        wipe();
        return keys;
    }

    void wipe() {
        Wipe.bytes(chainKey, hash);
    }
}
