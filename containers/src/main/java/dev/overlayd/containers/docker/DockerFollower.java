package dev.overlayd.containers.docker;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * Follows dockerd for one user (the attach agent, the service registration): connects, opens the
 * events stream, has the user resync and then hands it each event. Events are missed whenever the
 * stream is down, so the user resyncs fully on every reconnect. When dockerd is absent or goes
 * away, that is said once, in the user's log, and retried with a backoff (0.5 s doubling to 30 s):
 * what the user serves does not depend on dockerd.
 *
 * <p>Everything the user does runs on the follower's one thread, in order: the resyncs, the events
 * and the user's own tasks ({@link #execute}, {@link #schedule}), so that what it keeps needs no lock.
 */
public final class DockerFollower implements AutoCloseable {
    private static final Duration FIRST_RETRY = Duration.ofMillis(500);
    private static final Duration LAST_RETRY = Duration.ofSeconds(30);

    /**
     * The user's part, called on the follower's thread: on every connect, {@code prepare} before
     * the stream opens (what handling its events needs in place) and {@code catchUp} once it is
     * open (everything there considered again: nothing after this is missed); {@code onEvent} for
     * each event; {@code summary}, how the log line that says the follower is connected ends, from
     * its separator on (what the user has).
     */
    public record Listener(Step prepare, Step catchUp, Consumer<DockerEvent> onEvent, Supplier<String> summary) {}

    /** A part of connecting; an IOException fails the connect, said and retried as an absent dockerd is. */
    public interface Step {
        void run() throws IOException;
    }

    private final DockerClient docker;
    private final List<String> types;
    private final List<String> actions;
    private final Logger log;
    private final String prefix;
    private final String meanwhile;
    private final Listener listener;
    private final ScheduledExecutorService thread;
    private final Backoff backoff = new Backoff(FIRST_RETRY, LAST_RETRY);

    // Follower thread only.
    private DockerClient.EventStream events;
    private int generation;
    private boolean connectedOnce;
    private boolean outageLogged;
    private volatile String state = "not connected yet";
    private volatile boolean closed;

    /**
     * Follows the events of {@code types} and {@code actions} (as {@link DockerClient#events}
     * takes them) on a thread named {@code threadName}, and logs to {@code log} with
     * {@code prefix}; an outage is said with {@code meanwhile}, what is (not) done while it lasts.
     * It owns {@code docker}: closing the follower closes it.
     */
    public DockerFollower(DockerClient docker, List<String> types, List<String> actions, String threadName, Logger log,
                          String prefix, String meanwhile, Listener listener) {
        this.docker = docker;
        this.types = List.copyOf(types);
        this.actions = List.copyOf(actions);
        this.log = log;
        this.prefix = prefix;
        this.meanwhile = meanwhile;
        this.listener = listener;
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
        // A pending reconnect or retry is void once closed: the close need not wait out its delay.
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.thread = executor;
    }

    /** Starts following dockerd; returns at once (dockerd need not be up). */
    public void start() {
        thread.execute(this::connect);
    }

    /** dockerd's link as the status shows it: "connected (API 1.41)", "retrying: why", or "not connected yet". */
    public String state() {
        return state;
    }

    /** On the follower's thread: whether the stream is open, so that the user hears what changes. */
    public boolean watching() {
        return events != null;
    }

    /**
     * Runs {@code task} on the follower's thread, after what is there before it; false when the
     * follower is closed and the task dropped (closing races the I/O thread's last events).
     */
    public boolean execute(Runnable task) {
        try {
            thread.execute(task);
            return true;
        } catch (RejectedExecutionException e) {
            return false;
        }
    }

    /** Runs {@code task} on the follower's thread after {@code delay}, unless the follower is closed by then. */
    public void schedule(Runnable task, Duration delay) {
        if (closed) {
            return;
        }
        try {
            thread.schedule(task, delay.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // closed meanwhile
        }
    }

    @Override
    public void close() {
        closed = true;
        execute(this::closeEvents);
        thread.shutdown();
        try {
            if (!thread.awaitTermination(5, TimeUnit.SECONDS)) {
                thread.shutdownNow();
                thread.awaitTermination(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        docker.close();
    }

    private void connect() {
        if (closed) {
            return;
        }
        try {
            ApiVersion version = docker.negotiate();
            listener.prepare().run();
            closeEvents();
            int current = ++generation;
            events = docker.events(types, actions, event -> execute(() -> listener.onEvent().accept(event)),
                    why -> execute(() -> lost(current, new IOException("dockerd at " + docker.socket() + " went away ("
                            + why.getMessage() + ")"))));
            listener.catchUp().run();
            state = "connected (API " + version + ")";
            log.info(prefix + ": " + (connectedOnce ? "reconnected to" : "watching") + " dockerd at " + docker.socket()
                    + " (API " + version + ")" + listener.summary().get());
            connectedOnce = true;
            outageLogged = false;
            backoff.reset();
        } catch (IOException e) {
            // The stream, if it was opened, may also report its end: this failure is the one said.
            generation++;
            closeEvents();
            down(e);
        }
    }

    private void lost(int streamGeneration, IOException why) {
        if (streamGeneration == generation && !closed) {
            closeEvents();
            down(why);
        }
    }

    private void down(IOException why) {
        state = "retrying: " + why.getMessage();
        Duration wait = backoff.next();
        if (!outageLogged) {
            outageLogged = true;
            log.warning(prefix + ": " + why.getMessage() + "; retrying with backoff up to " + LAST_RETRY.toSeconds()
                    + " s, " + meanwhile);
        } else {
            log.fine(prefix + ": still no dockerd (" + why.getMessage() + "); next try in " + wait.toMillis() + " ms");
        }
        schedule(this::connect, wait);
    }

    private void closeEvents() {
        if (events != null) {
            events.close();
            events = null;
        }
    }
}
