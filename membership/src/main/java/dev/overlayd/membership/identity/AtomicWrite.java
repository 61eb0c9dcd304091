package dev.overlayd.membership.identity;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Writes a whole file or nothing: the content goes to a temporary file in the same directory,
 * created with its final mode, then takes the target's name in one rename. A reader never sees half
 * a certificate, and a key is never readable by others, not even for a moment.
 */
final class AtomicWrite {
    /** Certificates and revocation lists: public, and read by overlayd whatever user it runs as. */
    static final String PUBLIC = "rw-r--r--";

    private AtomicWrite() {}

    /**
     * @param mode such as "rw-------"
     * @param replace whether an existing file may be replaced; when not, an existing file is an error
     */
    static void write(Path target, byte[] content, String mode, boolean replace) throws IdentityException {
        Path absolute = target.toAbsolutePath();
        Path temp = null;
        try {
            temp = Files.createTempFile(absolute.getParent(), "." + absolute.getFileName(), ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(mode)));
            Files.write(temp, content);
            if (replace) {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            } else {
                // A hard link fails if the name is taken, where a rename would replace it.
                Files.createLink(target, temp);
                Files.delete(temp);
            }
            temp = null;
        } catch (FileAlreadyExistsException e) {
            throw new IdentityException(target + " already exists: remove it first if it is to be replaced");
        } catch (IOException e) {
            throw IdentityException.of(target, e);
        } finally {
            if (temp != null) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException ignored) {
                    // The write already failed; that error is the one to report.
                }
            }
        }
    }
}
