package dev.overlayd.membership.identity;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.logging.Logger;

/**
 * The newest revocation list a node adopted, kept in its state directory (revoked.crl, PEM, as the
 * CA writes it), so that a restarted node does not admit revoked certificates again until someone
 * hands it the list once more. Written whole or not at all, each time a newer list is adopted.
 */
public final class SavedRevocations {
    private static final Logger LOG = Logger.getLogger(SavedRevocations.class.getName());

    private final Path directory;
    private final Path file;

    public SavedRevocations(Path directory) {
        this.directory = directory;
        this.file = directory.resolve("revoked.crl");
    }

    public Path file() {
        return file;
    }

    /**
     * Creates the state directory (0700) unless it is there, then has {@code ca} adopt the saved list
     * and the operator's {@code configured} one (may be null), keeping the newest of them and saving
     * it when that is not the saved one. A saved list that does not decode or is not {@code ca}'s is a
     * warning (the node then starts without it); a configured one is an error.
     */
    public void restore(ClusterCa ca, Path configured) throws IdentityException {
        try {
            Files.createDirectories(directory, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (IOException e) {
            throw IdentityException.of(directory, e);
        }
        byte[] saved = null;
        if (Files.exists(file)) {
            try {
                saved = RevocationList.read(file);
                ca.acceptRevocations(saved);
            } catch (IdentityException | CertificateRejected e) {
                LOG.warning("ignoring the saved revocation list: " + (e instanceof CertificateRejected ? file + ": " : "")
                        + e.getMessage());
                saved = null;
            }
        }
        if (configured != null) {
            try {
                ca.acceptRevocations(RevocationList.read(configured));
            } catch (CertificateRejected e) {
                throw new IdentityException(configured + ": " + e.getMessage());
            }
        }
        byte[] held = ca.revocations();
        if (held != null && !Arrays.equals(held, saved)) {
            save(held);
        }
    }

    /** Replaces the saved list with {@code revocationList} (DER), which its CA signed and is newer. */
    public void save(byte[] revocationList) throws IdentityException {
        AtomicWrite.write(file, Pem.encode(Pem.CRL, revocationList).getBytes(StandardCharsets.US_ASCII),
                AtomicWrite.PUBLIC, true);
    }
}
