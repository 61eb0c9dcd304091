package dev.overlayd.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * wireguard-go's LOG_LEVEL (verbose, debug, error, silent) mapped onto java.util.logging, one line per
 * record. Under systemd, with stderr connected to the journal, a line carries no time (the journal
 * stamps each one) and starts with the level as sd-daemon's {@code <N>} prefix, which the journal
 * takes as the entry's priority.
 */
final class Logging {
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS").withZone(ZoneId.systemDefault());

    /** Held: java.util.logging keeps loggers only weakly, and would forget the level set on this one. */
    private static final Logger OURS = Logger.getLogger("dev.overlayd");

    private Logging() {}

    static void configure(String logLevel) {
        configure(logLevel, journald(System.getenv("JOURNAL_STREAM"), Path.of("/proc/self/fd/2")));
    }

    static void configure(String logLevel, boolean journal) {
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
        handler.setFormatter(new Line(level == Level.FINE, journal));
        handler.setLevel(level);
        root.addHandler(handler);
        // Verbose is overlayd's own: the libraries' and the JDK's debug records (ProcessBuilder logs a
        // stack trace for every process started) stay out.
        root.setLevel(level == Level.FINE ? Level.INFO : level);
        OURS.setLevel(level);
    }

    /**
     * Whether stderr is the journal's stream: systemd sets JOURNAL_STREAM to that stream's
     * "device:inode", and the variable is inherited by whatever a service starts, so it counts only
     * while stderr is still that stream (bin/overlayd run by a unit without -f writes to a log file,
     * which needs its times).
     */
    static boolean journald(String journalStream, Path stderr) {
        if (journalStream == null || journalStream.isBlank()) {
            return false;
        }
        try {
            return journalStream.strip().equals(Files.getAttribute(stderr, "unix:dev") + ":" + Files.getAttribute(stderr, "unix:ino"));
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /**
     * Time to the millisecond (or, for the journal, the priority prefix), level, message. A record's exception is its one-line description; the
     * stack trace (a library's, say Netty's on a host without loopback) is for debugging, so verbose only.
     * Messages carry names that others chose (etcd keys, certificate names, records heard by gossip),
     * so their control characters are escaped here, once for every logger: a name with a newline
     * cannot forge a second line, nor one with ESC rewrite the operator's terminal.
     */
    static final class Line extends Formatter {
        private final boolean traces;
        private final boolean journal;

        Line(boolean traces, boolean journal) {
            this.traces = traces;
            this.journal = journal;
        }

        @Override
        public String format(LogRecord record) {
            StringBuilder line = new StringBuilder()
                    .append(journal ? priority(record.getLevel()) : TIME.format(record.getInstant()) + " ")
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
            // The journal makes an entry of each line: a stack trace's lines (the only breaks left
            // after escaping) keep the record's priority.
            String text = journal ? line.toString().replace("\n", "\n" + priority(record.getLevel())) : line.toString();
            return text + '\n';
        }

        /** syslog's priorities as sd-daemon(3) prefixes them: err, warning, info, debug. */
        static String priority(Level level) {
            int value = level.intValue();
            int priority = value >= Level.SEVERE.intValue() ? 3 : value >= Level.WARNING.intValue() ? 4
                    : value >= Level.INFO.intValue() ? 6 : 7;
            return "<" + priority + ">";
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
