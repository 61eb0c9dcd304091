package dev.overlayd.routing.audit;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Logger;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Appends the access log's lines to its file from a thread of its own. The event loops hand a line
 * over and go on: a write(2) is microseconds while the page cache takes it, but seconds when the
 * kernel throttles dirty pages or the volume stalls, and an event loop that waits for it stalls every
 * connection it serves. Woken by a line, the thread lets more come for {@link #LINGER}, then writes
 * what is queued in one writev(2): woken for every line, it cost two context switches, two futex
 * calls and a writev per request, on a busy core the most of the edge's system time. So a line
 * reaches the kernel within that time and no user-space buffer holds lines longer: a crash of the
 * process loses at most the lines of its last milliseconds. Once a second, when something was
 * written, the file is synced (fdatasync), for a crash of the host.
 *
 * <p>A failed write (a full disk, an I/O error) keeps its batch and is retried every second on the
 * file opened again by its path, sooner on {@link #reopen}: lines wait in the bounded queue meanwhile
 * and only when it is full are they dropped, counted. The failure is logged once, with its reason,
 * and its end once, with what was dropped.
 */
final class AccessLogWriter implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(AccessLogWriter.class.getName());
    /** The lines that may wait for the disk: about five megabytes at a few hundred bytes a line. */
    static final int QUEUE = 16_384;
    private static final int BATCH_LINES = 256;
    private static final int BATCH_BYTES = 64 << 10;
    private static final long RETRY_MS = 1000;
    static final Duration LINGER = Duration.ofMillis(2);
    private static final long SYNC_NS = TimeUnit.SECONDS.toNanos(1);
    /** Wakes the thread without a line: for reopen and close. */
    private static final byte[] WAKE = new byte[0];

    private final Path path;
    private final BlockingQueue<byte[]> queue = new ArrayBlockingQueue<>(QUEUE);
    private final Semaphore nudge = new Semaphore(0);
    private final AtomicBoolean reopen = new AtomicBoolean();
    private final AtomicBoolean dropping = new AtomicBoolean();
    private final Counter written;
    private final Counter failures;
    private final Counter dropped;
    private final Thread thread;
    private volatile boolean failing;
    private volatile boolean closing;
    /** Lines dropped before the current failure began: the writer thread's. */
    private long droppedBefore;
    /** Only the writer thread touches the channel, once started. */
    private FileChannel channel;

    private AccessLogWriter(Path path, FileChannel channel, MeterRegistry metrics) {
        this.path = path;
        this.channel = channel;
        written = Counter.builder("overlayd.audit.lines").description("Lines written to the access log")
                .register(metrics);
        failures = Counter.builder("overlayd.audit.write.failures")
                .description("Writes to the access log that failed (full disk, I/O error), retries included").register(metrics);
        dropped = Counter.builder("overlayd.audit.lines.dropped")
                .description("Lines lost because the access log could not be written for too long").register(metrics);
        Gauge.builder("overlayd.audit.failing", this, w -> w.failing ? 1 : 0)
                .description("1 while the access log cannot be written").register(metrics);
        thread = Thread.ofPlatform().name("overlayd-access-log").daemon().unstarted(this::run);
    }

    /** Opens (creating it 0640, and its directories) the file at {@code path} for appending, and starts the writer. */
    static AccessLogWriter open(Path path, MeterRegistry metrics) throws IOException {
        FileChannel channel;
        try {
            channel = openFile(path);
            cutPartialLine(path, channel);
        } catch (IOException e) {
            throw new IOException("cannot open the access log " + path + ": " + reason(e), e);
        }
        AccessLogWriter writer = new AccessLogWriter(path, channel, metrics);
        writer.thread.start();
        return writer;
    }

    private static FileChannel openFile(Path path) throws IOException {
        Path parent = path.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            Files.createDirectories(parent, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-x---")));
        }
        return FileChannel.open(path, Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r-----")));
    }

    /**
     * Cuts the file back to its last whole line when it ends inside one. Only a process that died
     * during a write leaves that (killed in writev(2), or with a short write on a full disk still to
     * be completed); the rest of that line died with it, and this process's first line would be
     * glued to the part, making two records unreadable. Only at the start: while this process
     * runs, a part line at the end is its own, completed by the retry.
     */
    private static void cutPartialLine(Path path, FileChannel channel) throws IOException {
        long size = channel.size();
        if (size == 0) {
            return;
        }
        try (FileChannel read = FileChannel.open(path, StandardOpenOption.READ)) {
            ByteBuffer chunk = ByteBuffer.allocate(8192);
            long end = size;
            while (end > 0) {
                int length = (int) Math.min(chunk.capacity(), end);
                long start = end - length;
                chunk.clear().limit(length);
                while (chunk.hasRemaining()) {
                    if (read.read(chunk, start + chunk.position()) < 0) {
                        throw new EOFException("the file shrank while read");
                    }
                }
                for (int i = length - 1; i >= 0; i--) {
                    if (chunk.get(i) == '\n') {
                        cut(path, channel, size, start + i + 1);
                        return;
                    }
                }
                end = start;
            }
            cut(path, channel, size, 0);
        }
    }

    private static void cut(Path path, FileChannel channel, long size, long lastLineEnd) throws IOException {
        if (lastLineEnd < size) {
            channel.truncate(lastLineEnd);
            LOG.warning("access log " + path + ": removed a partial line of " + (size - lastLineEnd)
                    + " bytes at its end, left by a process that died while writing it");
        }
    }

    /** Queues a line; false when the queue was full and it is dropped (counted, said once). */
    boolean append(byte[] line) {
        if (closing) {
            return false;
        }
        if (queue.offer(line)) {
            return true;
        }
        dropped.increment();
        if (dropping.compareAndSet(false, true)) {
            LOG.warning("access log " + path + ": " + QUEUE + " lines wait to be written" + (failing ? "" : " (the disk does not keep up)")
                    + ": further lines are dropped, counted in overlayd_audit_lines_dropped_total");
        }
        return false;
    }

    /** Whether the last write failed and no write has succeeded since. */
    boolean failing() {
        return failing;
    }

    /** Whether the queue has room for another line. */
    boolean hasRoom() {
        return queue.remainingCapacity() > 0;
    }

    /** Opens the file again by its path before the next write (logrotate moved it away). */
    void reopen() {
        reopen.set(true);
        wake();
    }

    /** Writes what is queued (one more try if failing), syncs and closes the file; waits up to five seconds for it. */
    @Override
    public void close() {
        closing = true;
        wake();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void wake() {
        nudge.release();
        queue.offer(WAKE);
    }

    private void run() {
        List<byte[]> batch = new ArrayList<>();
        long synced = System.nanoTime();
        boolean unsynced = false;
        while (true) {
            if (batch.isEmpty()) {
                if (closing && queue.isEmpty()) {
                    break;
                }
                take(batch);
            }
            try {
                if (reopen.getAndSet(false)) {
                    reopenFile();
                }
                if (!batch.isEmpty()) {
                    write(batch);
                    unsynced = true;
                    recovered();
                }
            } catch (IOException e) {
                failed(e);
                if (closing || !retryLater()) {
                    break;
                }
                continue;
            }
            if (unsynced && System.nanoTime() - synced >= SYNC_NS) {
                unsynced = !sync();
                synced = System.nanoTime();
            }
        }
        long unwritten = batch.size() + queue.stream().filter(line -> line.length > 0).count();
        if (unwritten > 0) {
            dropped.increment(unwritten);
            LOG.warning("access log " + path + ": closed with " + unwritten + " lines unwritten");
        } else if (unsynced) {
            sync();
        }
        closeFile();
    }

    /** Waits up to a second for lines, then takes what is queued, up to a batch. */
    private void take(List<byte[]> batch) {
        try {
            byte[] first = queue.poll(1, TimeUnit.SECONDS);
            if (first != null && first.length > 0 && !closing) {
                linger();
            }
            int bytes = 0;
            for (byte[] line = first; line != null; line = bytes < BATCH_BYTES && batch.size() < BATCH_LINES ? queue.poll() : null) {
                if (line.length > 0) {
                    batch.add(line);
                    bytes += line.length;
                }
            }
        } catch (InterruptedException e) {
            closing = true;
        }
    }

    /** Lets more lines come, so that one write takes them all. */
    private void linger() {
        try {
            Thread.sleep(LINGER);
        } catch (InterruptedException e) {
            closing = true;
        }
    }

    /** Waits for the retry (or a reopen, or close), after which the file is opened again; false when interrupted. */
    private boolean retryLater() {
        try {
            nudge.tryAcquire(RETRY_MS, TimeUnit.MILLISECONDS);
            nudge.drainPermits();
        } catch (InterruptedException e) {
            return false;
        }
        // A failure can be the file's own (its volume remounted, the file replaced): the retry opens it anew.
        reopen.set(true);
        return true;
    }

    private void write(List<byte[]> batch) throws IOException {
        ByteBuffer[] buffers = new ByteBuffer[batch.size()];
        long remaining = 0;
        for (int i = 0; i < buffers.length; i++) {
            buffers[i] = ByteBuffer.wrap(batch.get(i));
            remaining += buffers[i].remaining();
        }
        // A short write (the disk filled up mid-batch) goes on where it stopped; what was written is
        // taken off the batch so that a retry does not write it twice.
        try {
            while (remaining > 0) {
                remaining -= channel.write(buffers);
            }
        } finally {
            int done = 0;
            while (done < buffers.length && !buffers[done].hasRemaining()) {
                done++;
            }
            if (done > 0) {
                written.increment(done);
                batch.subList(0, done).clear();
            }
            if (!batch.isEmpty() && buffers[done].position() > 0) {
                byte[] line = batch.getFirst();
                batch.set(0, Arrays.copyOfRange(line, buffers[done].position(), line.length));
            }
        }
    }

    private void reopenFile() throws IOException {
        closeFile();
        channel = openFile(path);
    }

    private void recovered() {
        if (queue.isEmpty()) {
            dropping.set(false);
        }
        if (failing) {
            failing = false;
            long lost = (long) dropped.count() - droppedBefore;
            LOG.info("access log " + path + ": written again" + (lost > 0 ? "; " + lost + " lines were dropped meanwhile" : ""));
        }
    }

    private boolean sync() {
        try {
            if (channel != null) {
                channel.force(false);
            }
            return true;
        } catch (IOException e) {
            failed(e);
            return false;
        }
    }

    private void closeFile() {
        if (channel == null) {
            return;
        }
        try {
            channel.close();
        } catch (IOException e) {
            LOG.fine("access log " + path + ": closing: " + e.getMessage());
        }
        channel = null;
    }

    private void failed(IOException e) {
        failures.increment();
        if (!failing) {
            failing = true;
            droppedBefore = (long) dropped.count();
            LOG.warning("access log " + path + ": cannot write (" + reason(e)
                    + "); retried every second and on SIGHUP; counted in overlayd_audit_write_failures_total");
        }
    }

    /** What went wrong in words, without the path that every message here already names. */
    private static String reason(IOException e) {
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        if (e instanceof FileAlreadyExistsException f) {
            return f.getFile() + " is in the way, not a directory";
        }
        if (e instanceof NoSuchFileException f) {
            return "no such file or directory: " + f.getFile();
        }
        if (e instanceof FileSystemException f) {
            return e.getClass().getSimpleName() + " (" + f.getFile() + ")";
        }
        return Objects.requireNonNullElse(e.getMessage(), e.toString());
    }
}
