package dev.overlayd.noise.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import org.junit.jupiter.api.Test;
import dev.overlayd.noise.PrivateKey;

/** Our keys and the stock `wg` tool's must be interchangeable in both directions. */
class WgToolKeysTest {

    @Test
    void wgDerivesOurPublicKeysAndWeDeriveItsKeys() throws Exception {
        PrivateKey ours = PrivateKey.generate(new SecureRandom());
        assertEquals(ours.publicKey().toBase64(), pipe(ours.toBase64() + "\n", "wg", "pubkey"));

        PrivateKey theirs = PrivateKey.fromBase64(pipe("", "wg", "genkey"));
        assertEquals(pipe(theirs.toBase64() + "\n", "wg", "pubkey"), theirs.publicKey().toBase64());
    }

    private static String pipe(String input, String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).start();
        p.getOutputStream().write(input.getBytes(StandardCharsets.US_ASCII));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).strip();
        assertEquals(0, p.waitFor(), () -> String.join(" ", command) + " failed (is wireguard-tools installed?)");
        return out;
    }
}
