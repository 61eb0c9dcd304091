package dev.overlayd.membership.identity;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;
import dev.overlayd.noise.PrivateKey;

/**
 * Private key files: created readable by their owner alone, and refused when anyone else can read
 * them, since such a key may already be in someone else's hands. A node's key is written exactly as
 * {@code wg genkey} writes one, so {@code wg pubkey < node.key} and wg-quick's PrivateKey work on it.
 */
public final class KeyFiles {
    private static final String OWNER_ONLY = "rw-------";
    private static final Set<PosixFilePermission> OTHERS_READ =
            EnumSet.of(PosixFilePermission.GROUP_READ, PosixFilePermission.OTHERS_READ);

    private KeyFiles() {}

    /** Writes a new key file with mode 0600; an existing file is never replaced. */
    public static void write(Path file, byte[] content) throws IdentityException {
        AtomicWrite.write(file, content, OWNER_ONLY, false);
    }

    /** The content of a key file that only its owner can read. */
    public static byte[] read(Path file) throws IdentityException {
        try {
            Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
            if (permissions.stream().anyMatch(OTHERS_READ::contains)) {
                throw new IdentityException(file + " is readable by other users (mode " + octal(permissions)
                        + "): run chmod 600 " + file);
            }
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw IdentityException.of(file, e);
        }
    }

    /** Writes a node's WireGuard key as base64 and a newline, as {@code wg genkey} does. */
    public static void writeNodeKey(Path file, PrivateKey key) throws IdentityException {
        write(file, (key.toBase64() + "\n").getBytes(StandardCharsets.US_ASCII));
    }

    public static PrivateKey readNodeKey(Path file) throws IdentityException {
        String text = new String(read(file), StandardCharsets.US_ASCII).strip();
        try {
            return PrivateKey.fromBase64(text);
        } catch (IllegalArgumentException e) {
            throw new IdentityException(file + ": " + e.getMessage());
        }
    }

    private static String octal(Set<PosixFilePermission> permissions) {
        int mode = 0;
        for (PosixFilePermission p : permissions) {
            // The enum runs from OWNER_READ (0400) down to OTHERS_EXECUTE (0001).
            mode |= 1 << (8 - p.ordinal());
        }
        return String.format("%04o", mode);
    }
}
