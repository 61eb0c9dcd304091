package dev.overlayd.membership.identity;

import static dev.overlayd.membership.identity.TestKeys.signingKey;
import static dev.overlayd.membership.identity.CertificateAuthorityTest.OVERLAY;
import static dev.overlayd.membership.identity.CertificateAuthorityTest.newKey;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A node's start: the saved and the configured revocation lists, the newest kept and saved. */
class SavedRevocationsTest {
    @TempDir
    Path dir;

    private CertificateAuthority authority;
    private NodeCertificate web1;
    private NodeCertificate web2;
    private final List<String> warnings = new ArrayList<>();
    private final Logger log = Logger.getLogger(SavedRevocations.class.getName());
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            warnings.add(record.getMessage());
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeEach
    void setUp() throws Exception {
        authority = CertificateAuthority.init(dir.resolve("ca"), "prod", OVERLAY, 30);
        web1 = authority.issue(CertificateAuthority.Request.node("web1", newKey(), signingKey()));
        web2 = authority.issue(CertificateAuthority.Request.node("web2", newKey(), signingKey()));
        log.addHandler(capture);
    }

    @AfterEach
    void tearDown() {
        log.removeHandler(capture);
    }

    /** A node's copy of the CA as it starts: no revocations until restored. */
    private ClusterCa freshCa() throws Exception {
        return ClusterCa.read(dir.resolve("ca/ca.crt"));
    }

    /** The state directory of a node that started once before. */
    private SavedRevocations saved() throws Exception {
        SavedRevocations saved = new SavedRevocations(dir.resolve("state"));
        saved.restore(freshCa(), null);
        return saved;
    }

    private Path write(String name, byte[] crl) throws Exception {
        return Files.writeString(dir.resolve(name), Pem.encode(Pem.CRL, crl));
    }

    @Test
    void aFirstStartCreatesTheStateDirectoryForItsOwnerAlone() throws Exception {
        Path state = dir.resolve("var/lib/overlayd/ovl0");
        ClusterCa ca = freshCa();

        new SavedRevocations(state).restore(ca, null);

        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(state)));
        assertNull(ca.revocations());
        assertFalse(Files.exists(state.resolve("revoked.crl")));
    }

    @Test
    void aSavedListIsAdoptedAtTheNextStart() throws Exception {
        byte[] crl = authority.revoke("web1");
        saved().save(crl);

        ClusterCa restarted = freshCa();
        new SavedRevocations(dir.resolve("state")).restore(restarted, null);

        assertTrue(restarted.isRevoked(web1.serial()));
        assertEquals(List.of(), warnings);
    }

    @Test
    void aNewerConfiguredListWinsAndIsSaved() throws Exception {
        SavedRevocations saved = saved();
        saved.save(authority.revoke("web1"));
        byte[] newer = authority.revoke("web2");

        ClusterCa ca = freshCa();
        saved.restore(ca, write("revoked.crl", newer));

        assertArrayEquals(newer, ca.revocations());
        assertArrayEquals(newer, RevocationList.read(saved.file()));
    }

    @Test
    void aNewerSavedListWinsOverAnOlderConfiguredOne() throws Exception {
        Path older = write("old.crl", authority.revoke("web1"));
        SavedRevocations saved = saved();
        byte[] newer = authority.revoke("web2");
        saved.save(newer);

        ClusterCa ca = freshCa();
        saved.restore(ca, older);

        assertTrue(ca.isRevoked(web1.serial()) && ca.isRevoked(web2.serial()));
        assertArrayEquals(newer, RevocationList.read(saved.file()));
    }

    @Test
    void aForeignOrBrokenSavedListIsAWarningAndTheNodeStartsWithoutIt() throws Exception {
        CertificateAuthority other = CertificateAuthority.init(dir.resolve("other"), "prod", OVERLAY, 30);
        other.issue(CertificateAuthority.Request.node("web1", newKey(), signingKey()));
        SavedRevocations saved = saved();
        saved.save(other.revoke("web1"));

        ClusterCa ca = freshCa();
        saved.restore(ca, null);
        assertNull(ca.revocations());
        assertEquals(List.of("ignoring the saved revocation list: " + saved.file()
                + ": revocation list not signed by cluster prod's CA"), warnings);

        warnings.clear();
        Files.writeString(saved.file(), "junk");
        saved.restore(ca, null);
        assertEquals(List.of("ignoring the saved revocation list: " + saved.file()
                + ": not PEM (no -----BEGIN X509 CRL----- block)"), warnings);
    }

    @Test
    void aForeignOrBrokenConfiguredListStopsTheStart() throws Exception {
        CertificateAuthority other = CertificateAuthority.init(dir.resolve("other"), "prod", OVERLAY, 30);
        other.issue(CertificateAuthority.Request.node("web1", newKey(), signingKey()));
        Path foreign = write("foreign.crl", other.revoke("web1"));
        SavedRevocations saved = new SavedRevocations(dir.resolve("state"));

        assertEquals(foreign + ": revocation list not signed by cluster prod's CA",
                assertThrows(IdentityException.class, () -> saved.restore(freshCa(), foreign)).getMessage());
        Path junk = Files.writeString(dir.resolve("junk.crl"), "junk");
        assertEquals(junk + ": not PEM (no -----BEGIN X509 CRL----- block)",
                assertThrows(IdentityException.class, () -> saved.restore(freshCa(), junk)).getMessage());
        Path none = dir.resolve("none.crl");
        assertEquals(none + ": no such file or directory",
                assertThrows(IdentityException.class, () -> saved.restore(freshCa(), none)).getMessage());
    }
}
