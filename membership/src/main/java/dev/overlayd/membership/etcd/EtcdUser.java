package dev.overlayd.membership.etcd;

import dev.overlayd.membership.identity.IdentityException;
import dev.overlayd.membership.identity.KeyFiles;
import io.etcd.jetcd.ByteSequence;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;

/**
 * etcd's own user authentication, on top of TLS where etcd's roles are to limit what a node may
 * write. The password comes from a file kept like a key file, never from overlay.yaml itself, and
 * appears in no message.
 */
public final class EtcdUser {
    private final String name;
    private final byte[] password;

    private EtcdUser(String name, byte[] password) {
        this.name = name;
        this.password = password;
    }

    /** The user {@code name} with the password in {@code passwordFile} (one line; its newline is not part of it). */
    public static EtcdUser read(String name, Path passwordFile) throws IOException {
        Objects.requireNonNull(name, "name");
        byte[] content;
        try {
            content = KeyFiles.read(passwordFile);
        } catch (IdentityException e) {
            throw new IOException("etcd password file " + e.getMessage(), e);
        }
        int end = content.length;
        while (end > 0 && (content[end - 1] == '\n' || content[end - 1] == '\r')) {
            end--;
        }
        byte[] password = Arrays.copyOf(content, end);
        Arrays.fill(content, (byte) 0);
        if (password.length == 0) {
            throw new IOException("etcd password file " + passwordFile + " is empty");
        }
        return new EtcdUser(name, password);
    }

    String name() {
        return name;
    }

    ByteSequence nameBytes() {
        return ByteSequence.from(name, StandardCharsets.UTF_8);
    }

    ByteSequence passwordBytes() {
        return ByteSequence.from(password);
    }

    @Override
    public String toString() {
        return "EtcdUser(" + name + ", password hidden)";
    }
}
