package dev.overlayd.containers;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/** What the code under test says in its log, for tests that assert a line was, or was not, said. */
public final class LogCapture extends Handler {
    private final List<LogRecord> records = new ArrayList<>();
    /** Held: java.util.logging keeps loggers weakly, and one collected before the class under test logs loses the capture. */
    private final List<Logger> loggers = new ArrayList<>();

    /** Captures what the loggers of these classes say, until {@link #detach}. */
    public synchronized LogCapture attach(Class<?>... sources) {
        for (Class<?> source : sources) {
            Logger logger = Logger.getLogger(source.getName());
            logger.addHandler(this);
            loggers.add(logger);
        }
        return this;
    }

    public synchronized void detach() {
        loggers.forEach(l -> l.removeHandler(this));
        loggers.clear();
    }

    @Override
    public void publish(LogRecord record) {
        synchronized (records) {
            records.add(record);
        }
    }

    /** The lines of any level that contain {@code containing}, their parameters filled in. */
    public List<String> lines(String containing) {
        return lines(null, containing);
    }

    /** The lines of this level (any, if null) that contain {@code containing}, their parameters filled in. */
    public List<String> lines(Level level, String containing) {
        SimpleFormatter formatter = new SimpleFormatter();
        synchronized (records) {
            return records.stream().filter(r -> level == null || r.getLevel().equals(level))
                    .map(formatter::formatMessage).filter(l -> l.contains(containing)).toList();
        }
    }

    public void clear() {
        synchronized (records) {
            records.clear();
        }
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
}
