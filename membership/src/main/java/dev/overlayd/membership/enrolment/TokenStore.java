package dev.overlayd.membership.enrolment;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import dev.overlayd.membership.identity.CertificateAuthority;
import dev.overlayd.membership.identity.IdentityException;
import dev.overlayd.membership.identity.PrivateJsonFile;

/**
 * An issuer's join tokens, in one file (0600) of its state directory: each with its secret, expiry,
 * uses left and the groups it grants. Thread-safe; every change is written before it returns.
 */
public final class TokenStore {
    /** How long an expired token stays listed, so that the operator sees why an instance did not join. */
    static final Duration KEEP_EXPIRED = Duration.ofDays(7);

    /** A token as {@code overlayctl token list} shows it: never its secret. {@code uses} 0 is unlimited. */
    public record TokenInfo(String id, Instant created, Instant expires, int uses, int used, List<String> groups,
                            boolean revoked) {}

    /** The file's content. */
    record Tokens(List<StoredToken> tokens) {
        Tokens {
            tokens = List.copyOf(tokens);
        }
    }

    /** One token as the file holds it: times in epoch seconds, the secret base64url. */
    record StoredToken(String id, String secret, long created, long expires, int uses, int used, List<String> groups,
                       boolean revoked) {
        StoredToken {
            Objects.requireNonNull(id, "id");
            if (Base64.getUrlDecoder().decode(secret).length != JoinToken.SECRET_LENGTH || uses < 0 || used < 0) {
                throw new IllegalArgumentException("not a stored token");
            }
            groups = List.copyOf(groups);
        }

        boolean usable(Instant now) {
            return !revoked && now.isBefore(Instant.ofEpochSecond(expires)) && (uses == 0 || used < uses);
        }

        StoredToken usedOnce() {
            return new StoredToken(id, secret, created, expires, uses, used + 1, groups, revoked);
        }

        StoredToken revoke() {
            return new StoredToken(id, secret, created, expires, uses, used, groups, true);
        }

        TokenInfo info() {
            return new TokenInfo(id, Instant.ofEpochSecond(created), Instant.ofEpochSecond(expires), uses, used, groups,
                    revoked);
        }
    }

    private final PrivateJsonFile<Tokens> file;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();
    /** Guarded by this; replaced only once the file holds the new list. */
    private List<StoredToken> tokens;

    public TokenStore(Path file, Clock clock) throws IdentityException {
        this.file = new PrivateJsonFile<>(file, Tokens.class, "join token store");
        this.clock = clock;
        this.tokens = this.file.read().map(Tokens::tokens).orElse(List.of());
    }

    /** A new token of this issuer; {@code uses} 0 is unlimited. */
    public synchronized JoinToken create(String issuer, byte[] caFingerprint, Duration ttl, int uses, List<String> groups)
            throws IdentityException {
        CertificateAuthority.checkName("issuer", issuer);
        CertificateAuthority.checkGroups(groups);
        if (ttl.isNegative() || ttl.isZero()) {
            throw new IdentityException("a token's time to live must be positive, not " + ttl);
        }
        if (uses < 0) {
            throw new IdentityException("a token's uses must be 0 (unlimited) or more, not " + uses);
        }
        Instant now = clock.instant();
        List<StoredToken> kept = pruned(now);
        String id;
        do {
            byte[] raw = new byte[4];
            random.nextBytes(raw);
            id = HexFormat.of().formatHex(raw);
        } while (find(kept, id).isPresent());
        byte[] secret = new byte[JoinToken.SECRET_LENGTH];
        random.nextBytes(secret);
        List<StoredToken> next = new ArrayList<>(kept);
        next.add(new StoredToken(id, Base64.getUrlEncoder().withoutPadding().encodeToString(secret), now.getEpochSecond(),
                now.plus(ttl).getEpochSecond(), uses, 0, groups, false));
        save(next);
        return new JoinToken(issuer, id, secret, caFingerprint);
    }

    public synchronized List<TokenInfo> list() {
        return pruned(clock.instant()).stream().map(StoredToken::info).toList();
    }

    /** Returns whether a token of that id was there to revoke. */
    public synchronized boolean revoke(String id) throws IdentityException {
        List<StoredToken> kept = pruned(clock.instant());
        if (find(kept, id).isEmpty()) {
            return false;
        }
        List<StoredToken> next = new ArrayList<>(kept);
        next.replaceAll(t -> t.id().equals(id) ? t.revoke() : t);
        save(next);
        return true;
    }

    /** The pre-shared key of a token that can still be used; empty, with no reason, otherwise. */
    public synchronized Optional<byte[]> psk(String id) {
        Instant now = clock.instant();
        return find(tokens, id).filter(t -> t.usable(now)).map(t -> JoinToken.psk(Base64.getUrlDecoder().decode(t.secret())));
    }

    /**
     * Uses the token once (written before it returns): the groups it grants, or empty when it can no
     * longer be used (expired, used up, revoked, unknown), with no reason given.
     */
    public synchronized Optional<List<String>> use(String id) throws IdentityException {
        Instant now = clock.instant();
        List<StoredToken> kept = pruned(now);
        Optional<StoredToken> token = find(kept, id).filter(t -> t.usable(now));
        if (token.isEmpty()) {
            return Optional.empty();
        }
        List<StoredToken> next = new ArrayList<>(kept);
        next.replaceAll(t -> t.id().equals(id) ? t.usedOnce() : t);
        save(next);
        return Optional.of(token.get().groups());
    }

    private List<StoredToken> pruned(Instant now) {
        long oldest = now.minus(KEEP_EXPIRED).getEpochSecond();
        return tokens.stream().filter(t -> t.expires() > oldest).toList();
    }

    private static Optional<StoredToken> find(List<StoredToken> tokens, String id) {
        return tokens.stream().filter(t -> t.id().equals(id)).findFirst();
    }

    private void save(List<StoredToken> next) throws IdentityException {
        file.write(new Tokens(next));
        tokens = List.copyOf(next);
    }
}
