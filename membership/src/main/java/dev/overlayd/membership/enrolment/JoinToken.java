package dev.overlayd.membership.enrolment;

import dev.overlayd.membership.identity.IdentityException;

/**
 * What a new instance needs to enrol, as one printable string (for a launch template): the name of
 * the issuer that holds the token, the token's id (public: it picks the secret), its secret, and the
 * SHA-256 fingerprint of the cluster's CA certificate, which proves the issuer to the newcomer.
 */
public record JoinToken(String issuer, String id, byte[] secret, byte[] caFingerprint) {
    public static JoinToken parse(String text) throws IdentityException {
        throw new UnsupportedOperationException("issue 15: identity helper");
    }

    /** The printable form {@link #parse} reads. */
    public String text() {
        throw new UnsupportedOperationException("issue 15: identity helper");
    }

    /** The 32-byte pre-shared key of the enrolment's Noise handshake, derived from the secret. */
    public byte[] psk() {
        throw new UnsupportedOperationException("issue 15: identity helper");
    }

    /** Never the secret: tokens end up in logs otherwise. */
    @Override
    public String toString() {
        return "JoinToken[" + issuer + ", " + id + "]";
    }
}
