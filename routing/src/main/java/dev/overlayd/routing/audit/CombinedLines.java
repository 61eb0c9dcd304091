package dev.overlayd.routing.audit;

import java.nio.charset.StandardCharsets;

/**
 * nginx's combined format, the client's address (from the PROXY header) first:
 * <pre>
 * 203.0.113.9 - - [02/Dec/2026:06:15:03.123 +0000] "GET /v1/items HTTP/1.1" 200 1234 "-" "-" request_id=... duration_ms=12.345 ...
 * </pre>
 * then the rest of the record as {@code key=value}, {@code -} for none. Referer and user agent are
 * always {@code -}: a referer is a URL and can carry PHI as a query string does, and neither says
 * who the client was. Every byte a client chose that is a quote, a backslash, a space, a control
 * character or not ASCII is written {@code \xHH}, so a line stays one line with fields split by spaces.
 */
final class CombinedLines implements LineFormat {
    private static final SecondsCache TIME = new SecondsCache("dd/MMM/uuuu:HH:mm:ss", " +0000");

    private final boolean query;

    /** @param query whether the query string is written (URLs can carry PHI) */
    CombinedLines(boolean query) {
        this.query = query;
    }

    @Override
    public byte[] line(AccessRecord r) {
        StringBuilder line = new StringBuilder(256);
        line.append(orDash(LineFormat.ip(r.client()))).append(" - - [");
        if (r.time() == null) {
            line.append('-');
        } else {
            TIME.append(line, r.time());
        }
        line.append("] \"");
        escape(line, r.method() == null ? "-" : r.method());
        line.append(' ');
        escape(line, r.path() == null ? "-" : r.path());
        if (query && r.query() != null) {
            line.append('?');
            escape(line, r.query());
        }
        line.append(' ');
        escape(line, r.protocol() == null ? "-" : r.protocol());
        line.append("\" ").append(r.status()).append(' ').append(r.bytesOut()).append(" \"-\" \"-\"");
        field(line, "request_id", r.requestId());
        field(line, "duration_ms", r.duration() == null ? null : LineFormat.milliseconds(r.duration()).toPlainString());
        field(line, "service", r.service());
        field(line, "instance", r.instance());
        field(line, "node", r.node());
        field(line, "tls", r.tls());
        field(line, "sni", r.sni());
        field(line, "host", r.host());
        field(line, "client_port", r.client() == null ? null : Integer.toString(r.client().getPort()));
        field(line, "balancer", LineFormat.ipPort(r.balancer()));
        field(line, "bytes_in", Long.toString(r.bytesIn()));
        line.append('\n');
        // All ASCII by now: the escapes took everything else.
        return line.toString().getBytes(StandardCharsets.US_ASCII);
    }

    private static String orDash(String value) {
        return value == null || value.isEmpty() ? "-" : value;
    }

    private static void field(StringBuilder line, String key, String value) {
        line.append(' ').append(key).append('=');
        escape(line, orDash(value));
    }

    /** {@code text} with every byte that could end or split the line, or is not ASCII, as {@code \xHH}. */
    static void escape(StringBuilder line, String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c > 0x20 && c < 0x7f && c != '"' && c != '\\') {
                line.append(c);
            } else if (c <= 0xff) {
                // Netty decodes HTTP/1 and HPACK octets one char each: these are the bytes the client sent.
                hex(line, c);
            } else {
                int end = Character.isHighSurrogate(c) && i + 1 < text.length() ? i + 2 : i + 1;
                for (byte b : text.substring(i, end).getBytes(StandardCharsets.UTF_8)) {
                    hex(line, b & 0xff);
                }
                i = end - 1;
            }
        }
    }

    private static void hex(StringBuilder line, int b) {
        line.append("\\x").append(Character.toUpperCase(Character.forDigit(b >> 4, 16)))
                .append(Character.toUpperCase(Character.forDigit(b & 0xf, 16)));
    }
}
