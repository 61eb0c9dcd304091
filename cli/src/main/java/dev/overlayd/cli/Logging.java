package dev.overlayd.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** wireguard-go's LOG_LEVEL (verbose, debug, error, silent) mapped onto java.util.logging, one line per record. */
final class Logging {
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS").withZone(ZoneId.systemDefault());

    private Logging() {}

    static void configure(String logLevel) {
        Level level = switch (logLevel == null ? "" : logLevel.strip().toLowerCase(Locale.ROOT)) {
            case "verbose", "debug" -> Level.FINE;
            case "error" -> Level.SEVERE;
            case "silent" -> Level.OFF;
            default -> Level.INFO;
        };
        Logger root = Logger.getLogger("");
        for (var h : root.getHandlers()) {
            root.removeHandler(h);
        }
        ConsoleHandler handler = new ConsoleHandler();
        handler.setFormatter(new Line(level == Level.FINE));
        handler.setLevel(level);
        root.addHandler(handler);
        root.setLevel(level);
    }

    /**
     * Time to the millisecond, level, message. A record's exception is its one-line description; the
     * stack trace (a library's, say Netty's on a host without loopback) is for debugging, so verbose only.
     * Messages carry names that others chose (etcd keys, certificate names, records heard by gossip),
     * so their control characters are escaped here, once for every logger: a name with a newline
     * cannot forge a second line, nor one with ESC rewrite the operator's terminal.
     */
    static final class Line extends Formatter {
        private final boolean traces;

        Line(boolean traces) {
            this.traces = traces;
        }

        @Override
        public String format(LogRecord record) {
            StringBuilder line = new StringBuilder()
                    .append(TIME.format(record.getInstant())).append(' ')
                    .append(record.getLevel().getName()).append(' ')
                    .append(escaped(formatMessage(record)));
            Throwable thrown = record.getThrown();
            if (thrown != null && traces) {
                StringWriter trace = new StringWriter();
                // Throwable prints its trace one println per line: the breaks between them are the
                // trace's own, any inside a line (a message's) are escaped.
                thrown.printStackTrace(new PrintWriter(trace) {
                    @Override
                    public void println(Object x) {
                        write('\n');
                        write(escaped(String.valueOf(x)));
                    }
                });
                line.append(trace);
            } else if (thrown != null) {
                line.append(": ").append(escaped(thrown.toString()));
            }
            return line.append('\n').toString();
        }

        /**
         * C0 controls but the tab, DEL and C1 controls written as a Java string literal writes them (a
         * newline as backslash n, ESC as backslash u001b), and a backslash doubled, so that an escape in
         * the log always means the formatter wrote it.
         */
        static String escaped(String text) {
            StringBuilder out = null;
            for (int i = 0; i < text.length(); i++) {
                char c = text.charAt(i);
                boolean control = (c < 0x20 && c != '\t') || (c >= 0x7f && c <= 0x9f);
                if (!control && c != '\\') {
                    if (out != null) {
                        out.append(c);
                    }
                    continue;
                }
                if (out == null) {
                    out = new StringBuilder(text.length() + 16).append(text, 0, i);
                }
                switch (c) {
                    case '\\' -> out.append("\\\\");
                    case '\n' -> out.append("\\n");
                    case '\r' -> out.append("\\r");
                    default -> out.append(String.format("\\u%04x", (int) c));
                }
            }
            return out == null ? text : out.toString();
        }
    }
}
