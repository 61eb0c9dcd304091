package dev.overlayd.peers.uapi;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads '\n'-terminated lines with a hard bound on their length, so that a client that never sends
 * a newline cannot make the daemon buffer without end. The protocol is ASCII; bytes are mapped
 * one-to-one to chars (ISO-8859-1) so that no byte sequence can fail to decode, and anything
 * non-ASCII then simply fails validation.
 */
final class LineReader {

    /** A line longer than the bound; the connection cannot be trusted to be in step after it. */
    static final class LineTooLongException extends IOException {
        LineTooLongException(int max) {
            super("line longer than " + max + " bytes");
        }
    }

    private final InputStream in;
    private final int maxLineBytes;
    private final byte[] buffer = new byte[8192];
    private int position;
    private int limit;
    private long consumed;

    LineReader(InputStream in, int maxLineBytes) {
        this.in = in;
        this.maxLineBytes = maxLineBytes;
    }

    /**
     * The next line without its '\n', or null when the stream ends cleanly between lines.
     *
     * @throws EOFException         when the stream ends inside a line
     * @throws LineTooLongException when a line exceeds the bound (the newline not counted)
     */
    String readLine() throws IOException {
        byte[] line = null;
        int length = 0;
        while (true) {
            if (position == limit) {
                int n = in.read(buffer);
                if (n < 0) {
                    if (length == 0) {
                        return null;
                    }
                    throw new EOFException("stream ended inside a line");
                }
                position = 0;
                limit = n;
            }
            int start = position;
            while (position < limit && buffer[position] != '\n') {
                position++;
            }
            int chunk = position - start;
            if (length + chunk > maxLineBytes) {
                throw new LineTooLongException(maxLineBytes);
            }
            if (line == null) {
                line = new byte[Math.min(maxLineBytes, Math.max(64, chunk))];
            } else if (length + chunk > line.length) {
                line = Arrays.copyOf(line, Math.min(maxLineBytes, Math.max(length + chunk, 2 * line.length)));
            }
            System.arraycopy(buffer, start, line, length, chunk);
            length += chunk;
            consumed += chunk;
            if (position < limit) {
                position++;
                consumed++;
                return new String(line, 0, length, StandardCharsets.ISO_8859_1);
            }
        }
    }

    /** Bytes consumed so far, newlines included: what a request is measured by. */
    long consumed() {
        return consumed;
    }
}
