package dev.overlayd.membership.identity;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * A certificate, key or CA directory that cannot be used, said in one line an operator can act on:
 * the message names the file and what is wrong with it.
 */
public final class IdentityException extends Exception {
    public IdentityException(String message) {
        super(message);
    }

    /**
     * The JDK's file exceptions carry only the path as their message; this says what happened to it.
     */
    static IdentityException of(Path file, IOException e) {
        return new IdentityException(switch (e) {
            case NoSuchFileException n -> file + ": no such file or directory";
            case AccessDeniedException a -> file + ": permission denied";
            case FileAlreadyExistsException f -> file + " already exists";
            default -> file + ": " + e.getMessage();
        });
    }
}
