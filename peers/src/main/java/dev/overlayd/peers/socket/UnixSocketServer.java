package dev.overlayd.peers.socket;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A root-only Unix socket {@code <directory>/<ifname>.sock} for one interface: the UAPI socket where
 * `wg` finds a userspace interface, and overlayd's control socket for `overlayctl`. One virtual
 * thread per connection runs the {@link SocketProtocol}.
 *
 * <p>The socket file is mode 0600 from the moment it carries its public name: it is bound inside a
 * fresh 0700 directory (where nobody else can reach it), made 0600 there, and only then hard-linked
 * to its public name. link(2), unlike rename, fails when the name exists, so a daemon that raced us
 * to the same interface is never clobbered.
 *
 * <p>The server watches its socket file: `wg` unlinks sockets it cannot connect to, an operator may
 * remove it, another daemon may take the name. Then nobody can reach this daemon any more and, as
 * wireguard-go does, it should exit: {@code onSocketRemoved} is called once, from the watcher thread.
 */
public final class UnixSocketServer implements AutoCloseable {
    private static final Logger LOG = System.getLogger(UnixSocketServer.class.getName());

    /** How often the socket file is checked: cheap (one stat), and an exit a second late is harmless. */
    static final Duration WATCH_INTERVAL = Duration.ofSeconds(1);
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;

    private final String label;
    private final Path directory;
    private final Set<PosixFilePermission> directoryMode;
    private final String interfaceName;
    private final Path socketPath;
    private final SocketProtocol protocol;
    private final Runnable onSocketRemoved;
    private final Set<SocketChannel> connections = ConcurrentHashMap.newKeySet();

    private final Object lock = new Object();
    private boolean started;
    private boolean closed;
    private ServerSocketChannel server;
    private Object fileKey;
    private Thread watcher;

    /**
     * @param label         names the socket in log messages ("UAPI", "control")
     * @param directoryMode the mode the directory gets if this server creates it; an existing
     *                      directory keeps its own, as the socket's 0600 is what keeps others out
     */
    public UnixSocketServer(String label, Path directory, Set<PosixFilePermission> directoryMode, String interfaceName,
                            SocketProtocol protocol, Runnable onSocketRemoved) {
        this.label = Objects.requireNonNull(label, "label");
        this.directory = Objects.requireNonNull(directory, "directory");
        this.directoryMode = Set.copyOf(directoryMode);
        this.interfaceName = checkInterfaceName(interfaceName);
        this.socketPath = directory.resolve(interfaceName + ".sock");
        this.protocol = Objects.requireNonNull(protocol, "protocol");
        this.onSocketRemoved = Objects.requireNonNull(onSocketRemoved, "onSocketRemoved");
    }

    /** The rules of Linux's dev_valid_name: `wg` passes the name through and so must we. */
    private static String checkInterfaceName(String name) {
        if (name == null || name.isEmpty() || name.length() > 15 || name.equals(".") || name.equals("..")
                || name.chars().anyMatch(c -> c == '/' || c == ':' || c <= ' ' || c == 0x7f)) {
            throw new IllegalArgumentException("not a valid interface name (1 to 15 characters, no '/', ':' or space): "
                    + name);
        }
        return name;
    }

    public Path socketPath() {
        return socketPath;
    }

    /**
     * Creates the socket and starts serving.
     *
     * @throws IOException when another process answers on the socket (it owns the interface), when
     *                     something other than a socket has the name, or when the socket cannot be made
     */
    public void start() throws IOException {
        synchronized (lock) {
            if (started) {
                throw new IllegalStateException("already started");
            }
            started = true;
        }
        Bound bound;
        try {
            createDirectory();
            removeStaleSocket();
            bound = bindPrivately();
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
        ServerSocketChannel channel = bound.channel();
        Object key = bound.fileKey();
        boolean closedMeanwhile;
        synchronized (lock) {
            closedMeanwhile = closed;
            if (!closed) {
                server = channel;
                fileKey = key;
            }
        }
        if (closedMeanwhile) {
            closeQuietly(channel);
            deleteIfOurs(key);
            throw new IOException(label + " server for " + interfaceName + " closed while starting");
        }
        Thread.ofPlatform().daemon().name(label.toLowerCase(java.util.Locale.ROOT) + "-accept-" + interfaceName).start(this::acceptLoop);
        Thread thread = Thread.ofPlatform().daemon().name(label.toLowerCase(java.util.Locale.ROOT) + "-watch-" + interfaceName).unstarted(this::watchLoop);
        synchronized (lock) {
            watcher = thread;
        }
        thread.start();
    }

    private void createDirectory() throws IOException {
        if (Files.isDirectory(directory)) {
            // Someone else's directory: its mode is theirs to choose.
            return;
        }
        try {
            Files.createDirectories(directory);
        } catch (FileAlreadyExistsException raced) {
            return;
        }
        // createDirectories goes through the umask; callers ask for an exact mode.
        Files.setPosixFilePermissions(directory, directoryMode);
    }

    /** A socket nobody answers on is left over from a dead daemon; one that answers is alive. */
    private void removeStaleSocket() throws IOException {
        if (!Files.exists(socketPath, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (!isSocket(socketPath)) {
            throw new IOException(socketPath + " exists and is not a socket; remove it to serve interface "
                    + interfaceName);
        }
        boolean answered;
        try (SocketChannel probe = SocketChannel.open(UnixDomainSocketAddress.of(socketPath))) {
            answered = probe.isConnected();
        } catch (ConnectException refused) {
            answered = false;
        }
        if (answered) {
            throw new IOException("interface " + interfaceName + " is already served by another process on "
                    + socketPath);
        }
        LOG.log(Level.INFO, "{0}: removing stale socket {1}", label, socketPath);
        Files.deleteIfExists(socketPath);
    }

    /** The listening channel and the identity of its socket file. */
    private record Bound(ServerSocketChannel channel, Object fileKey) {}

    private Bound bindPrivately() throws IOException {
        Path privateDirectory = Files.createTempDirectory(directory, "." + interfaceName + ".",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path privateName = privateDirectory.resolve("s");
        ServerSocketChannel channel = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            channel.bind(UnixDomainSocketAddress.of(privateName));
            Files.setPosixFilePermissions(privateName, PosixFilePermissions.fromString("rw-------"));
            // Taken from the private name, which nobody else can reach: the public one could
            // already have been replaced by the time we looked at it.
            Object key = fileKey(privateName);
            try {
                Files.createLink(socketPath, privateName);
            } catch (FileAlreadyExistsException raced) {
                throw new IOException("interface " + interfaceName + " was claimed by another process while starting: "
                        + socketPath + " appeared", raced);
            }
            return new Bound(channel, key);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        } finally {
            Files.deleteIfExists(privateName);
            Files.deleteIfExists(privateDirectory);
        }
    }

    private void acceptLoop() {
        while (true) {
            ServerSocketChannel channel;
            synchronized (lock) {
                channel = server;
            }
            SocketChannel connection;
            try {
                connection = channel.accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (isClosed()) {
                    return;
                }
                // Out of descriptors, most likely: pause instead of spinning, then try again.
                LOG.log(Level.WARNING, label + ": accept failed on " + socketPath, e);
                try {
                    Thread.sleep(100);
                } catch (InterruptedException interrupted) {
                    return;
                }
                continue;
            }
            connections.add(connection);
            if (isClosed()) {
                closeQuietly(connection);
                return;
            }
            Thread.ofVirtual().name(label.toLowerCase(java.util.Locale.ROOT) + "-" + interfaceName).start(() -> serve(connection));
        }
    }

    private void serve(SocketChannel connection) {
        try (connection) {
            InputStream in = Channels.newInputStream(connection);
            OutputStream out = new BufferedOutputStream(Channels.newOutputStream(connection));
            protocol.serve(in, out);
        } catch (IOException e) {
            // The client went away mid-reply, or close() cut the connection: nothing to do.
            LOG.log(Level.DEBUG, "{0}: connection ended: {1}", label, e.toString());
        } finally {
            connections.remove(connection);
        }
    }

    private void watchLoop() {
        while (true) {
            try {
                Thread.sleep(WATCH_INTERVAL);
            } catch (InterruptedException e) {
                return;
            }
            Object current;
            try {
                current = fileKey(socketPath);
            } catch (NoSuchFileException e) {
                current = null;
            } catch (IOException e) {
                // A failed stat is not a removal: look again next time.
                continue;
            }
            synchronized (lock) {
                if (closed) {
                    return;
                }
                if (current != null && current.equals(fileKey)) {
                    continue;
                }
            }
            LOG.log(Level.WARNING, "{0}: socket {1} was removed or replaced",
                    label, socketPath);
            try {
                onSocketRemoved.run();
            } catch (RuntimeException e) {
                LOG.log(Level.ERROR, label + ": onSocketRemoved failed", e);
            }
            return;
        }
    }

    /**
     * Stops serving, cuts open connections and removes the socket file if it is still ours (a file
     * someone else put at that name is left alone). Safe to call more than once, and from
     * {@code onSocketRemoved}.
     */
    @Override
    public void close() {
        ServerSocketChannel channel;
        Thread watch;
        Object key;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            channel = server;
            watch = watcher;
            key = fileKey;
        }
        if (watch != null && watch != Thread.currentThread()) {
            watch.interrupt();
        }
        if (channel != null) {
            closeQuietly(channel);
        }
        for (SocketChannel connection : connections) {
            closeQuietly(connection);
        }
        if (key != null) {
            deleteIfOurs(key);
        }
    }

    private void deleteIfOurs(Object key) {
        try {
            if (key.equals(fileKey(socketPath))) {
                Files.deleteIfExists(socketPath);
            }
        } catch (NoSuchFileException gone) {
            // Already removed by someone else.
        } catch (IOException e) {
            LOG.log(Level.WARNING, label + ": could not remove " + socketPath, e);
        }
    }

    private boolean isClosed() {
        synchronized (lock) {
            return closed;
        }
    }

    /** Device and inode: what identifies our socket file even if the name is reused. */
    private static Object fileKey(Path path) throws IOException {
        return Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
    }

    private static boolean isSocket(Path path) throws IOException {
        try {
            int mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            return (mode & S_IFMT) == S_IFSOCK;
        } catch (UnsupportedOperationException | IllegalArgumentException noUnixView) {
            return Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).isOther();
        }
    }

    private static void closeQuietly(java.nio.channels.Channel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // Closing is best effort; the descriptor is released either way.
        }
    }
}
