package dev.overlayd.membership.enrolment;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Objects;
import java.util.regex.Pattern;
import dev.overlayd.membership.identity.CertificateAuthority;
import dev.overlayd.membership.identity.IdentityException;

/**
 * What a new instance needs to enrol, as one printable string (for a launch template): the name of
 * the issuer that holds the token, the token's id (public: it picks the secret), its secret, and the
 * SHA-256 fingerprint of the cluster's CA certificate, which proves the issuer to the newcomer.
 *
 * <p>The form is {@code ovl1.ID.SECRET.CAFP.ISSUER}: the id 8 lowercase hex digits, the secret 32
 * bytes base64url without padding, the fingerprint 64 lowercase hex digits, and the issuer (the
 * name of the member node that issues) last, since node names may hold dots.
 */
public record JoinToken(String issuer, String id, byte[] secret, byte[] caFingerprint) {
    public static final int SECRET_LENGTH = 32;
    private static final String PREFIX = "ovl1";
    private static final Pattern ID = Pattern.compile("[0-9a-f]{8}");
    private static final Pattern FINGERPRINT = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern BASE64URL = Pattern.compile("[A-Za-z0-9_-]{43}");
    private static final byte[] PSK_LABEL = "overlayd join token v1".getBytes(StandardCharsets.US_ASCII);

    public JoinToken {
        Objects.requireNonNull(issuer, "issuer");
        if (!ID.matcher(id).matches()) {
            throw new IllegalArgumentException("a token id is 8 lowercase hex digits");
        }
        if (secret.length != SECRET_LENGTH || caFingerprint.length != 32) {
            throw new IllegalArgumentException("a token's secret and CA fingerprint are 32 bytes each");
        }
        secret = secret.clone();
        caFingerprint = caFingerprint.clone();
    }

    /** Reads the printable form; the messages never quote the secret. */
    public static JoinToken parse(String text) throws IdentityException {
        String[] parts = text.strip().split("\\.", 5);
        if (parts.length != 5 || !parts[0].equals(PREFIX)) {
            throw new IdentityException("not a join token: it reads " + PREFIX + ".ID.SECRET.CA-FINGERPRINT.ISSUER");
        }
        if (!ID.matcher(parts[1]).matches()) {
            throw new IdentityException("not a join token: its id is not 8 lowercase hex digits");
        }
        if (!BASE64URL.matcher(parts[2]).matches()) {
            throw new IdentityException("join token " + parts[1] + ": its secret is not " + SECRET_LENGTH
                    + " bytes of base64url without padding");
        }
        byte[] secret;
        try {
            secret = Base64.getUrlDecoder().decode(parts[2]);
        } catch (IllegalArgumentException e) {
            throw new IdentityException("join token " + parts[1] + ": its secret is not base64url");
        }
        if (!FINGERPRINT.matcher(parts[3]).matches()) {
            throw new IdentityException("join token " + parts[1]
                    + ": its CA fingerprint is not 64 lowercase hex digits (SHA-256)");
        }
        try {
            CertificateAuthority.checkName("issuer", parts[4]);
        } catch (IdentityException e) {
            throw new IdentityException("join token " + parts[1] + ": " + e.getMessage());
        }
        return new JoinToken(parts[4], parts[1], secret, HexFormat.of().parseHex(parts[3]));
    }

    /** The printable form {@link #parse} reads. */
    public String text() {
        return PREFIX + "." + id + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(secret) + "."
                + HexFormat.of().formatHex(caFingerprint) + "." + issuer;
    }

    /** The 32-byte pre-shared key of the enrolment's Noise handshake, derived from the secret. */
    public byte[] psk() {
        return psk(secret);
    }

    /** SHA-256 of a fixed label and the secret: the secret itself never keys anything. */
    static byte[] psk(byte[] secret) {
        try {
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            sha256.update(PSK_LABEL);
            return sha256.digest(secret);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    @Override
    public byte[] secret() {
        return secret.clone();
    }

    @Override
    public byte[] caFingerprint() {
        return caFingerprint.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof JoinToken t && issuer.equals(t.issuer) && id.equals(t.id)
                && MessageDigest.isEqual(secret, t.secret) && Arrays.equals(caFingerprint, t.caFingerprint);
    }

    @Override
    public int hashCode() {
        return Objects.hash(issuer, id, Arrays.hashCode(caFingerprint));
    }

    /** Never the secret: tokens end up in logs otherwise. */
    @Override
    public String toString() {
        return "JoinToken[" + issuer + ", " + id + "]";
    }
}
