package dev.overlayd.peers.uapi;

import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import dev.overlayd.peers.socket.SocketProtocol;
import dev.overlayd.peers.socket.UnixSocketServer;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * The UAPI text protocol on one connection, as `wg` and wireguard-go speak it: any number of
 * {@code get=1} and {@code set=1} operations in a row, each answered with an {@code errno=N} line
 * and an empty line.
 *
 * <p>Where this differs from wireguard-go, on purpose:
 * <ul>
 * <li>A set request is parsed whole and applied atomically through {@link UapiDevice#apply}:
 *     wireguard-go applies each line as it reads it, so a bad line halfway leaves the first half
 *     applied; here a request that fails changes nothing.</li>
 * <li>After a bad line the rest of the request is still read up to its empty line, so the
 *     connection stays in step with the client; wireguard-go stops reading at the bad line.</li>
 * <li>A request cut short by the end of the stream is not applied (wireguard-go applies what it
 *     got): a client that died mid-request did not mean it.</li>
 * <li>Lines are bounded ({@link #MAX_LINE_BYTES}) and so is a request; past either bound the
 *     reply is EMSGSIZE and the connection is closed.</li>
 * </ul>
 */
public final class UapiProtocol implements SocketProtocol {
    private static final Logger LOG = System.getLogger(UapiProtocol.class.getName());

    /** No legitimate line comes near this: the longest is a 64-digit key with its name. */
    public static final int MAX_LINE_BYTES = 4096;
    /**
     * Enough for `wg setconf` with about ten thousand peers, each with a key, a preshared key, an
     * endpoint and a few allowed IPs, while keeping what one client can make the daemon hold small.
     */
    public static final long DEFAULT_MAX_REQUEST_BYTES = 4L << 20;

    /** Where `wg` looks for userspace interfaces. */
    public static final Path DIRECTORY = Path.of("/var/run/wireguard");

    private final UapiDevice device;
    private final long maxRequestBytes;

    /**
     * The socket `wg` finds the interface by. The directory is 0755 as wireguard-go makes it, for
     * `wg show` to list interfaces; the socket itself is 0600.
     */
    public static UnixSocketServer server(String interfaceName, UapiDevice device, Runnable onSocketRemoved) {
        return new UnixSocketServer("UAPI", DIRECTORY, PosixFilePermissions.fromString("rwxr-xr-x"), interfaceName,
                new UapiProtocol(device), onSocketRemoved);
    }

    public UapiProtocol(UapiDevice device) {
        this(device, DEFAULT_MAX_REQUEST_BYTES);
    }

    public UapiProtocol(UapiDevice device, long maxRequestBytes) {
        this.device = Objects.requireNonNull(device, "device");
        if (maxRequestBytes <= 0) {
            throw new IllegalArgumentException("maxRequestBytes must be positive");
        }
        this.maxRequestBytes = maxRequestBytes;
    }

    /**
     * Serves operations until the client closes its side, sends something that is not an operation
     * (wireguard-go closes then too), or breaks the framing. Leaves closing the streams to the caller.
     */
    @Override
    public void serve(InputStream in, OutputStream out) throws IOException {
        LineReader reader = new LineReader(in, MAX_LINE_BYTES);
        while (true) {
            String operation;
            try {
                operation = reader.readLine();
            } catch (EOFException | LineReader.LineTooLongException e) {
                return;
            }
            if (operation == null) {
                return;
            }
            boolean keepGoing = switch (operation) {
                case "get=1" -> get(reader, out);
                case "set=1" -> set(reader, out);
                default -> {
                    // `wg` probes with an empty connection, so this is not worth more than a debug line.
                    LOG.log(Level.DEBUG, "UAPI: unknown operation, closing the connection");
                    yield false;
                }
            };
            if (!keepGoing) {
                return;
            }
        }
    }

    private boolean get(LineReader reader, OutputStream out) throws IOException {
        String terminator;
        try {
            terminator = reader.readLine();
        } catch (EOFException | LineReader.LineTooLongException e) {
            return false;
        }
        if (terminator == null) {
            return false;
        }
        if (!terminator.isEmpty()) {
            // As wireguard-go: anything between "get=1" and the empty line is an error.
            reply(out, "", Errno.EINVAL);
            return true;
        }
        String body;
        try {
            body = GetReply.format(device.snapshot());
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "UAPI: get failed", e);
            reply(out, "", Errno.EIO);
            return true;
        }
        reply(out, body, Errno.OK);
        return true;
    }

    private boolean set(LineReader reader, OutputStream out) throws IOException {
        SetRequestParser parser = new SetRequestParser();
        long start = reader.consumed();
        while (true) {
            String line;
            try {
                line = reader.readLine();
            } catch (LineReader.LineTooLongException e) {
                LOG.log(Level.INFO, "UAPI: set rejected: a line is longer than {0} bytes", MAX_LINE_BYTES);
                reply(out, "", Errno.EMSGSIZE);
                return false;
            } catch (EOFException e) {
                line = null;
            }
            if (line == null) {
                LOG.log(Level.INFO, "UAPI: set request cut short by the client, nothing applied");
                replyQuietly(out, Errno.EPROTO);
                return false;
            }
            if (reader.consumed() - start > maxRequestBytes) {
                LOG.log(Level.INFO, "UAPI: set rejected: request larger than {0} bytes", maxRequestBytes);
                reply(out, "", Errno.EMSGSIZE);
                return false;
            }
            // Go's line scanner drops a '\r' before the '\n'; so do we, to accept what it accepts.
            if (line.endsWith("\r")) {
                line = line.substring(0, line.length() - 1);
            }
            if (line.isEmpty()) {
                break;
            }
            parser.line(line);
        }
        int errno;
        try {
            device.apply(parser.finish());
            errno = Errno.OK;
        } catch (UapiException e) {
            LOG.log(Level.INFO, "UAPI: set rejected ({0}): {1}", e.errno(), e.getMessage());
            errno = e.errno();
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "UAPI: set failed inside the device", e);
            errno = Errno.EIO;
        }
        reply(out, "", errno);
        return true;
    }

    private static void reply(OutputStream out, String body, int errno) throws IOException {
        out.write((body + "errno=" + errno + "\n\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    /** For a client that is already gone: it may well not read the answer. */
    private static void replyQuietly(OutputStream out, int errno) {
        try {
            reply(out, "", errno);
        } catch (IOException ignored) {
            // Nobody left to tell.
        }
    }
}
