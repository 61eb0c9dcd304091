package dev.overlayd.membership.identity;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Optional;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A state file that holds secrets or decides who gets what (an issuer's ledger, its join tokens):
 * JSON, mode 0600 and read with {@link KeyFiles}' checks, written whole or not at all. A file that
 * does not parse is an error naming it, never an empty state: an issuer that forgot its ledger would
 * hand out subnets that are still held.
 */
public final class PrivateJsonFile<T> {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final Class<T> type;
    private final String what;

    /** @param what what the file holds, for messages, e.g. "issuer ledger" */
    public PrivateJsonFile(Path file, Class<T> type, String what) {
        this.file = file;
        this.type = type;
        this.what = what;
    }

    public Path file() {
        return file;
    }

    /** The content, or empty when there is no file yet. */
    public Optional<T> read() throws IdentityException {
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            return Optional.empty();
        }
        byte[] content = KeyFiles.read(file);
        try {
            return Optional.of(JSON.readValue(content, type));
        } catch (JsonProcessingException e) {
            // Never the parser's message: it may quote the file, and the file may hold secrets.
            String where = e.getLocation() == null ? ""
                    : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
            throw new IdentityException(file + ": corrupt " + what + " (not what overlayd writes" + where
                    + "): restore it from a backup");
        } catch (IOException e) {
            throw IdentityException.of(file, e);
        }
    }

    /** Replaces the file with {@code value}, mode 0600. */
    public void write(T value) throws IdentityException {
        byte[] content;
        try {
            content = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("JSON encoding in memory failed", e);
        }
        AtomicWrite.write(file, content, KeyFiles.OWNER_ONLY, true);
    }
}
