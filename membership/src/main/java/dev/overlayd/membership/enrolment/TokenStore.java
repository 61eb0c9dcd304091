package dev.overlayd.membership.enrolment;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import dev.overlayd.membership.identity.IdentityException;

/**
 * An issuer's join tokens, in one file (0600) of its state directory: each with its secret, expiry,
 * uses left and the groups it grants. Thread-safe; every change is written before it returns.
 */
public final class TokenStore {
    /** A token as {@code overlayctl token list} shows it: never its secret. {@code uses} 0 is unlimited. */
    public record TokenInfo(String id, Instant created, Instant expires, int uses, int used, List<String> groups,
                            boolean revoked) {}

    public TokenStore(Path file, Clock clock) throws IdentityException {
        throw new UnsupportedOperationException("issue 15: identity helper");
    }

    /** A new token of this issuer; {@code uses} 0 is unlimited. */
    public JoinToken create(String issuer, byte[] caFingerprint, Duration ttl, int uses, List<String> groups)
            throws IdentityException {
        throw new UnsupportedOperationException("issue 15: identity helper");
    }

    public List<TokenInfo> list() {
        throw new UnsupportedOperationException("issue 15: identity helper");
    }

    /** Returns whether a token of that id was there to revoke. */
    public boolean revoke(String id) throws IdentityException {
        throw new UnsupportedOperationException("issue 15: identity helper");
    }

    /** The pre-shared key of a token that can still be used; empty, with no reason, otherwise. */
    public Optional<byte[]> psk(String id) {
        throw new UnsupportedOperationException("issue 15: identity helper");
    }

    /**
     * Uses the token once (written before it returns): the groups it grants, or empty when it can no
     * longer be used (expired, used up, revoked, unknown), with no reason given.
     */
    public Optional<List<String>> use(String id) throws IdentityException {
        throw new UnsupportedOperationException("issue 15: identity helper");
    }
}
