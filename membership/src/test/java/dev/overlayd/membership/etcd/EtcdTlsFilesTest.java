package dev.overlayd.membership.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.overlayd.testing.EtcdPki;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The files a node reaches etcd with are checked when read, and what is wrong is said with the file's name. */
class EtcdTlsFilesTest {
    @TempDir
    Path dir;

    @Test
    void aClientKeyOthersCanReadIsRefused() throws Exception {
        EtcdPki pki = new EtcdPki(dir, "etcd-ca");
        EtcdPki.Issued client = pki.client("node");
        Files.setPosixFilePermissions(client.key(), PosixFilePermissions.fromString("rw-r--r--"));
        IOException refused = assertThrows(IOException.class, () -> EtcdTls.read(pki.ca(), client.certificate(), client.key()));
        assertTrue(refused.getMessage().startsWith("etcd client key " + client.key()), refused.getMessage());
    }

    @Test
    void filesThatAreNotPemOrNotThereAreNamed() throws Exception {
        EtcdPki pki = new EtcdPki(dir, "etcd-ca");
        EtcdPki.Issued client = pki.client("node");
        Path missing = dir.resolve("missing.crt");
        assertEquals("etcd TLS file " + missing + ": no such file",
                assertThrows(IOException.class, () -> EtcdTls.read(missing, client.certificate(), client.key())).getMessage());
        IOException swapped = assertThrows(IOException.class, () -> EtcdTls.read(pki.ca(), client.key(), client.key()));
        assertTrue(swapped.getMessage().startsWith("etcd TLS files " + pki.ca() + ", " + client.key() + ", " + client.key()
                + " are not a CA certificate, a client certificate and its key in PEM"), swapped.getMessage());
    }

    @Test
    void aPasswordFileIsAKeyFileAndItsNewlineIsNotThePassword() throws Exception {
        Path file = Files.writeString(dir.resolve("etcd.password"), "secret\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        EtcdUser user = EtcdUser.read("overlayd", file);
        assertEquals("secret", user.passwordBytes().toString());
        assertEquals("EtcdUser(overlayd, password hidden)", user.toString());

        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        IOException refused = assertThrows(IOException.class, () -> EtcdUser.read("overlayd", file));
        assertTrue(refused.getMessage().startsWith("etcd password file " + file), refused.getMessage());
    }
}
