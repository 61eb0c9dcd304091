package dev.overlayd.membership.identity;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemReader;
import org.bouncycastle.util.io.pem.PemWriter;

/** The PEM armour (RFC 7468) that openssl and every other tool expect around DER. */
final class Pem {
    static final String CERTIFICATE = "CERTIFICATE";
    static final String CRL = "X509 CRL";
    static final String PRIVATE_KEY = "PRIVATE KEY";

    private Pem() {}

    static String encode(String type, byte[] der) {
        StringWriter text = new StringWriter();
        try (PemWriter writer = new PemWriter(text)) {
            writer.writeObject(new PemObject(type, der));
        } catch (IOException e) {
            throw new IllegalStateException("writing to a string failed", e);
        }
        return text.toString();
    }

    /** The DER in a PEM file; the message of a failure names the file. */
    static byte[] read(Path file, String type) throws IdentityException {
        String text = text(file);
        try {
            return decode(text, type);
        } catch (IdentityException e) {
            throw new IdentityException(file + ": " + e.getMessage());
        }
    }

    /** Turns DER into what it encodes. */
    @FunctionalInterface
    interface Decoder<T> {
        T decode(byte[] der) throws IdentityException;
    }

    /** A PEM file's DER, decoded; the message of a failure names the file. */
    static <T> T read(Path file, String type, Decoder<T> decoder) throws IdentityException {
        byte[] der = read(file, type);
        try {
            return decoder.decode(der);
        } catch (IdentityException e) {
            throw new IdentityException(file + ": " + e.getMessage());
        }
    }

    /**
     * The DER of every block of a PEM file, one after the other (a certificate chain), decoded; the
     * message of a failure names the file.
     */
    static <T> T readAll(Path file, String type, Decoder<T> decoder) throws IdentityException {
        String text = text(file);
        try {
            return decoder.decode(decodeAll(text, type));
        } catch (IdentityException e) {
            throw new IdentityException(file + ": " + e.getMessage());
        }
    }

    /** The DER of every PEM block in {@code text}, concatenated; there must be one at least, all of {@code type}. */
    static byte[] decodeAll(String text, String type) throws IdentityException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        try (PemReader reader = new PemReader(new StringReader(text))) {
            PemObject object;
            while ((object = reader.readPemObject()) != null) {
                if (!object.getType().equals(type)) {
                    throw new IdentityException("holds a " + object.getType() + ", not a " + type);
                }
                all.writeBytes(object.getContent());
            }
        } catch (IOException | RuntimeException e) {
            throw new IdentityException("not PEM (a malformed -----BEGIN " + type + "----- block)");
        }
        if (all.size() == 0) {
            throw new IdentityException("not PEM (no -----BEGIN " + type + "----- block)");
        }
        return all.toByteArray();
    }

    /** The DER of the first PEM block in {@code text}, which must be of {@code type}. */
    static byte[] decode(String text, String type) throws IdentityException {
        PemObject object;
        try (PemReader reader = new PemReader(new StringReader(text))) {
            object = reader.readPemObject();
        } catch (IOException | RuntimeException e) {
            object = null;
        }
        if (object == null) {
            throw new IdentityException("not PEM (no -----BEGIN " + type + "----- block)");
        }
        if (!object.getType().equals(type)) {
            throw new IdentityException("holds a " + object.getType() + ", not a " + type);
        }
        return object.getContent();
    }

    private static String text(Path file) throws IdentityException {
        try {
            return Files.readString(file, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw IdentityException.of(file, e);
        }
    }
}
