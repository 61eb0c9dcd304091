package dev.overlayd.membership.identity;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;
import com.sun.security.auth.module.UnixSystem;
import dev.overlayd.noise.PrivateKey;

/**
 * Private key files: created readable by their owner alone, and refused unless they are a regular
 * file (not a symbolic link), owned by the user this process runs as (root, for the daemon), with no
 * access at all for the group or others: such a key may already be in someone else's hands, or be
 * replaced by someone else's. A node's key is written exactly as {@code wg genkey} writes one, so
 * {@code wg pubkey < node.key} and wg-quick's PrivateKey work on it.
 */
public final class KeyFiles {
    static final String OWNER_ONLY = "rw-------";
    private static final Set<PosixFilePermission> GROUP_OR_OTHERS = EnumSet.of(
            PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

    private KeyFiles() {}

    /** Writes a new key file with mode 0600; an existing file is never replaced. */
    public static void write(Path file, byte[] content) throws IdentityException {
        AtomicWrite.write(file, content, OWNER_ONLY, false);
    }

    /** The content of a key file that passes the checks above, read without following a link. */
    public static byte[] read(Path file) throws IdentityException {
        return read(file, new UnixSystem().getUid());
    }

    /** The same, with the uid the file must belong to given. */
    static byte[] read(Path file, long uid) throws IdentityException {
        try {
            PosixFileAttributes attributes = Files.readAttributes(file, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (attributes.isSymbolicLink()) {
                throw new IdentityException(file + " is a symbolic link (to " + Files.readSymbolicLink(file)
                        + "): give the path of the key file itself");
            }
            if (!attributes.isRegularFile()) {
                throw new IdentityException(file + " is not a regular file");
            }
            int owner = (Integer) Files.getAttribute(file, "unix:uid", LinkOption.NOFOLLOW_LINKS);
            if (owner != uid) {
                String user = uid == 0 ? "root" : Long.toString(uid);
                throw new IdentityException(file + " belongs to uid " + owner + ", not to " + user
                        + " who reads it: run chown " + user + " " + file);
            }
            Set<PosixFilePermission> permissions = attributes.permissions();
            if (permissions.stream().anyMatch(GROUP_OR_OTHERS::contains)) {
                throw new IdentityException(file + " is open to other users (mode " + octal(permissions)
                        + "): run chmod 600 " + file);
            }
            try (SeekableByteChannel channel = Files.newByteChannel(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
                // A link put in the key's place since the checks is not followed either.
                return Channels.newInputStream(channel).readAllBytes();
            }
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
