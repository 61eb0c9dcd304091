package dev.overlayd.cli;

import java.util.Locale;
import java.util.logging.ConsoleHandler;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/** wireguard-go's LOG_LEVEL (verbose, debug, error, silent) mapped onto java.util.logging, one line per record. */
final class Logging {
    private Logging() {}

    static void configure(String logLevel) {
        System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tFT%1$tT.%1$tL %4$s %5$s%6$s%n");
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
        handler.setFormatter(new SimpleFormatter());
        handler.setLevel(level);
        root.addHandler(handler);
        root.setLevel(level);
    }
}
