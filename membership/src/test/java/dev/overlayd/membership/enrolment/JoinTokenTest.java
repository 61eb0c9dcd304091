package dev.overlayd.membership.enrolment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import dev.overlayd.membership.identity.IdentityException;
import org.junit.jupiter.api.Test;

class JoinTokenTest {
    static final byte[] SECRET = new byte[32];
    static final byte[] FINGERPRINT = new byte[32];

    static {
        Arrays.fill(SECRET, (byte) 7);
        Arrays.fill(FINGERPRINT, (byte) 0xab);
    }

    static final String SECRET_TEXT = Base64.getUrlEncoder().withoutPadding().encodeToString(SECRET);
    static final String FP = "ab".repeat(32);

    @Test
    void roundTripsWithADottedIssuerName() throws Exception {
        JoinToken token = new JoinToken("ip-10-0-1-7.eu-west-1.compute.internal", "0a1b2c3d", SECRET, FINGERPRINT);
        String text = token.text();
        assertEquals("ovl1.0a1b2c3d." + SECRET_TEXT + "." + FP + ".ip-10-0-1-7.eu-west-1.compute.internal", text);
        JoinToken parsed = JoinToken.parse(text);
        assertEquals(token, parsed);
        assertEquals("ip-10-0-1-7.eu-west-1.compute.internal", parsed.issuer());
        assertArrayEquals(SECRET, parsed.secret());
        assertArrayEquals(FINGERPRINT, parsed.caFingerprint());
        assertEquals(token, JoinToken.parse(" " + text + "\n"));
    }

    @Test
    void thePskIsTheLabelledHashOfTheSecret() throws Exception {
        MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
        sha256.update("overlayd join token v1".getBytes(StandardCharsets.US_ASCII));
        byte[] expected = sha256.digest(SECRET);
        assertArrayEquals(expected, new JoinToken("i1", "0a1b2c3d", SECRET, FINGERPRINT).psk());
    }

    @Test
    void toStringNeverShowsTheSecret() {
        String shown = new JoinToken("i1", "0a1b2c3d", SECRET, FINGERPRINT).toString();
        assertEquals("JoinToken[i1, 0a1b2c3d]", shown);
        assertFalse(shown.contains(SECRET_TEXT));
    }

    @Test
    void badFormsAreRefusedWithoutEchoingTheSecret() {
        assertRefused("ovl2.0a1b2c3d." + SECRET_TEXT + "." + FP + ".i1", "not a join token: it reads ovl1.ID.SECRET.CA-FINGERPRINT.ISSUER");
        assertRefused("ovl1.0a1b2c3d." + SECRET_TEXT + "." + FP, "not a join token: it reads ovl1.ID.SECRET.CA-FINGERPRINT.ISSUER");
        assertRefused("ovl1.0A1B2C3D." + SECRET_TEXT + "." + FP + ".i1", "not a join token: its id is not 8 lowercase hex digits");
        assertRefused("ovl1.0a1b2c3d." + SECRET_TEXT + "=." + FP + ".i1",
                "join token 0a1b2c3d: its secret is not 32 bytes of base64url without padding");
        assertRefused("ovl1.0a1b2c3d." + SECRET_TEXT.substring(1) + "." + FP + ".i1",
                "join token 0a1b2c3d: its secret is not 32 bytes of base64url without padding");
        assertRefused("ovl1.0a1b2c3d." + SECRET_TEXT + "." + FP.substring(2) + ".i1",
                "join token 0a1b2c3d: its CA fingerprint is not 64 lowercase hex digits (SHA-256)");
        IdentityException e = assertThrows(IdentityException.class,
                () -> JoinToken.parse("ovl1.0a1b2c3d." + SECRET_TEXT + "." + FP + ".bad/name"));
        assertTrue(e.getMessage().startsWith("join token 0a1b2c3d: not a valid issuer"), e.getMessage());
        assertFalse(e.getMessage().contains(SECRET_TEXT));
    }

    private static void assertRefused(String text, String message) {
        IdentityException e = assertThrows(IdentityException.class, () -> JoinToken.parse(text));
        assertEquals(message, e.getMessage());
    }
}
