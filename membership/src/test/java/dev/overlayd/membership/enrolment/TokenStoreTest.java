package dev.overlayd.membership.enrolment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import dev.overlayd.membership.identity.IdentityException;
import dev.overlayd.membership.identity.MutableClock;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenStoreTest {
    static final Instant T0 = Instant.parse("2026-05-01T10:00:00Z");
    static final byte[] FINGERPRINT = new byte[32];

    @TempDir
    Path dir;

    MutableClock clock;
    Path file;
    TokenStore store;

    @BeforeEach
    void setUp() throws Exception {
        clock = new MutableClock(T0);
        file = dir.resolve("tokens.json");
        store = new TokenStore(file, clock);
    }

    private JoinToken create(int uses, List<String> groups) throws IdentityException {
        return store.create("issuer1", FINGERPRINT, Duration.ofHours(1), uses, groups);
    }

    @Test
    void aSingleUseTokenIsUsedOnce() throws Exception {
        JoinToken token = create(1, List.of("web"));
        assertEquals("issuer1", token.issuer());
        assertArrayEquals(token.psk(), store.psk(token.id()).orElseThrow());
        assertEquals(Optional.of(List.of("web")), store.use(token.id()));
        assertEquals(Optional.empty(), store.use(token.id()));
        assertTrue(store.psk(token.id()).isEmpty());
        assertEquals(1, store.list().getFirst().used());
    }

    @Test
    void anUnlimitedTokenIsUsedUntilItExpires() throws Exception {
        JoinToken token = create(0, List.of());
        for (int i = 0; i < 5; i++) {
            assertEquals(Optional.of(List.of()), store.use(token.id()));
        }
        clock.advance(Duration.ofHours(1));
        assertEquals(Optional.empty(), store.use(token.id()));
        assertTrue(store.psk(token.id()).isEmpty());
    }

    @Test
    void aRevokedTokenIsNoLongerUsable() throws Exception {
        JoinToken token = create(3, List.of());
        assertTrue(store.revoke(token.id()));
        assertFalse(store.revoke("00000000"));
        assertEquals(Optional.empty(), store.use(token.id()));
        assertTrue(store.list().getFirst().revoked());
        assertEquals(Optional.empty(), store.use("deadbeef"));
    }

    @Test
    void theListShowsEverythingButTheSecret() throws Exception {
        JoinToken token = create(2, List.of("web", "eu"));
        assertEquals(List.of(new TokenStore.TokenInfo(token.id(), T0, T0.plus(Duration.ofHours(1)), 2, 0,
                List.of("web", "eu"), false)), store.list());
    }

    @Test
    void tokensSurviveAReloadAndTheFileIsTheOwnersAlone() throws Exception {
        JoinToken token = create(2, List.of("web"));
        store.use(token.id());
        TokenStore reloaded = new TokenStore(file, clock);
        assertEquals(store.list(), reloaded.list());
        assertArrayEquals(token.psk(), reloaded.psk(token.id()).orElseThrow());
        assertEquals(Optional.of(List.of("web")), reloaded.use(token.id()));
        assertEquals(Optional.empty(), reloaded.use(token.id()));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    }

    @Test
    void expiredTokensArePrunedAfterAWeek() throws Exception {
        JoinToken token = create(1, List.of());
        clock.advance(Duration.ofHours(1).plus(Duration.ofDays(7)).minusSeconds(1));
        assertEquals(1, store.list().size());
        clock.advance(Duration.ofSeconds(2));
        assertEquals(List.of(), store.list());
        create(1, List.of());
        assertFalse(Files.readString(file).contains(token.id()));
    }

    @Test
    void badArgumentsAreRefused() {
        assertThrows(IdentityException.class, () -> store.create("issuer1", FINGERPRINT, Duration.ZERO, 1, List.of()));
        assertThrows(IdentityException.class, () -> store.create("issuer1", FINGERPRINT, Duration.ofHours(1), -1, List.of()));
        assertThrows(IdentityException.class, () -> store.create("issuer1", FINGERPRINT, Duration.ofHours(1), 1, List.of("a b")));
    }

    @Test
    void aCorruptFileIsAnErrorNamingIt() throws Exception {
        create(1, List.of());
        Files.writeString(file, "{\"tokens\": [{\"id\": \"12345678\", \"secret\": \"short\"}]}");
        IdentityException e = assertThrows(IdentityException.class, () -> new TokenStore(file, clock));
        assertTrue(e.getMessage().startsWith(file + ": corrupt join token store"), e.getMessage());
        assertFalse(e.getMessage().contains("short"));
    }
}
