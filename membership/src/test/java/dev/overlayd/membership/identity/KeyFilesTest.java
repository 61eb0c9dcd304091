package dev.overlayd.membership.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.List;
import dev.overlayd.noise.PrivateKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Private key files: owner-only from the start, refused when they are a link, not a regular file,
 * someone else's or open to the group or others in any way, and readable by wg.
 */
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
        assertEquals(file + " is open to other users (mode 0644): run chmod 600 " + file, e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"rw-r-----", "rw--w----", "rw---x---", "rw-----w-", "rw------x"})
    void refusesAKeyItsGroupOrOthersHaveAnyAccessTo(String mode) throws Exception {
        Path file = dir.resolve("ca.key");
        KeyFiles.write(file, "secret".getBytes(StandardCharsets.US_ASCII));
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));

        IdentityException e = assertThrows(IdentityException.class, () -> KeyFiles.read(file));
        assertTrue(e.getMessage().startsWith(file + " is open to other users (mode 0"), e.getMessage());
        assertTrue(e.getMessage().endsWith("): run chmod 600 " + file), e.getMessage());
    }

    @Test
    void refusesAKeyThatIsASymbolicLink() throws Exception {
        Path real = dir.resolve("real.key");
        KeyFiles.write(real, "secret".getBytes(StandardCharsets.US_ASCII));
        Path link = Files.createSymbolicLink(dir.resolve("node.key"), real);

        IdentityException e = assertThrows(IdentityException.class, () -> KeyFiles.read(link));
        assertEquals(link + " is a symbolic link (to " + real + "): give the path of the key file itself", e.getMessage());
    }

    @Test
    void refusesAKeyThatIsNotARegularFile() throws Exception {
        Path directory = Files.createDirectory(dir.resolve("node.key"), PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwx------")));

        IdentityException e = assertThrows(IdentityException.class, () -> KeyFiles.read(directory));
        assertEquals(directory + " is not a regular file", e.getMessage());
    }

    @Test
    void refusesAKeyOfAnotherUser() throws Exception {
        Path file = dir.resolve("node.key");
        KeyFiles.write(file, "secret".getBytes(StandardCharsets.US_ASCII));
        int owner = (Integer) Files.getAttribute(file, "unix:uid");

        IdentityException e = assertThrows(IdentityException.class, () -> KeyFiles.read(file, owner + 1));
        assertEquals(file + " belongs to uid " + owner + ", not to " + (owner + 1) + " who reads it: run chown "
                + (owner + 1) + " " + file, e.getMessage());
        assertEquals("secret", new String(KeyFiles.read(file, owner), StandardCharsets.US_ASCII));
    }

    @Test
    void asRootAKeyMustBeRoots() throws Exception {
        Path file = dir.resolve("node.key");
        KeyFiles.write(file, "secret".getBytes(StandardCharsets.US_ASCII));
        // Handed to nobody, as a key copied in by another user would be: its owner could swap it.
        Files.setAttribute(file, "unix:uid", 65534);

        IdentityException e = assertThrows(IdentityException.class, () -> KeyFiles.read(file, 0));
        assertEquals(file + " belongs to uid 65534, not to root who reads it: run chown root " + file, e.getMessage());
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
