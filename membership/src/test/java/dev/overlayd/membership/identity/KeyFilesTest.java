package dev.overlayd.membership.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.List;
import dev.overlayd.noise.PrivateKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Private key files: owner-only from the start, refused when others can read them, and readable by wg. */
class KeyFilesTest {
    @TempDir
    Path dir;

    @Test
    void writesAKeyOnlyItsOwnerCanRead() throws Exception {
        Path file = dir.resolve("node.key");
        PrivateKey key = PrivateKey.generate(new SecureRandom());

        KeyFiles.writeNodeKey(file, key);

        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals(key.toBase64() + "\n", Files.readString(file));
        assertEquals(key, KeyFiles.readNodeKey(file));
        assertEquals(List.of("node.key"), Files.list(dir).map(p -> p.getFileName().toString()).toList());
    }

    @Test
    void refusesAKeyOthersCanRead() throws Exception {
        Path file = dir.resolve("node.key");
        KeyFiles.writeNodeKey(file, PrivateKey.generate(new SecureRandom()));
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));

        IdentityException e = assertThrows(IdentityException.class, () -> KeyFiles.readNodeKey(file));
        assertEquals(file + " is readable by other users (mode 0644): run chmod 600 " + file, e.getMessage());
    }

    @Test
    void refusesAKeyItsGroupCanRead() throws Exception {
        Path file = dir.resolve("ca.key");
        KeyFiles.write(file, "secret".getBytes(StandardCharsets.US_ASCII));
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r-----"));

        IdentityException e = assertThrows(IdentityException.class, () -> KeyFiles.read(file));
        assertEquals(file + " is readable by other users (mode 0640): run chmod 600 " + file, e.getMessage());
    }

    @Test
    void neverReplacesAKey() throws Exception {
        Path file = dir.resolve("node.key");
        KeyFiles.write(file, "first".getBytes(StandardCharsets.US_ASCII));

        IdentityException e = assertThrows(IdentityException.class,
                () -> KeyFiles.write(file, "second".getBytes(StandardCharsets.US_ASCII)));
        assertEquals(file + " already exists: remove it first if it is to be replaced", e.getMessage());
        assertEquals("first", Files.readString(file));
        assertEquals(1, Files.list(dir).count());
    }

    @Test
    void aMissingKeyIsSaidPlainly() {
        Path file = dir.resolve("none.key");
        assertEquals(file + ": no such file or directory",
                assertThrows(IdentityException.class, () -> KeyFiles.read(file)).getMessage());
    }

    @Test
    void wgDerivesTheSamePublicKeyAsTheCertificate() throws Exception {
        CertificateAuthority ca = CertificateAuthority.init(dir.resolve("ca"), "prod", CertificateAuthorityTest.OVERLAY, 10);
        PrivateKey key = PrivateKey.generate(new SecureRandom());
        Path file = dir.resolve("web1.key");
        KeyFiles.writeNodeKey(file, key);
        NodeCertificate cert = ca.issue(CertificateAuthority.Request.node("web1", key.publicKey(), SigningKey.derive(key).verifyingKey()));

        Process wg = new ProcessBuilder("wg", "pubkey").redirectInput(file.toFile()).redirectErrorStream(true).start();
        String output = new String(wg.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);

        assertEquals(0, wg.waitFor(), output);
        assertEquals(cert.publicKey().toBase64() + "\n", output);
    }
}
