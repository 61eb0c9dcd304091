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
                    .append(formatMessage(record));
            Throwable thrown = record.getThrown();
            if (thrown != null && traces) {
                StringWriter trace = new StringWriter();
                thrown.printStackTrace(new PrintWriter(trace));
                line.append('\n').append(trace.toString().stripTrailing());
            } else if (thrown != null) {
                line.append(": ").append(thrown);
            }
            return line.append('\n').toString();
        }
    }
}
