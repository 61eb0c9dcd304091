package dev.overlayd.cli.control;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;

/** overlayctl's side of the {@link ControlProtocol}; every failure is a {@link ControlException} in plain words. */
public final class ControlClient {
    private final Path directory;

    public ControlClient(Path directory) {
        this.directory = directory;
    }

    /** The interfaces overlayd serves here, by name. */
    public List<String> interfaces() throws ControlException {
        if (!Files.isDirectory(directory)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(directory)) {
            return entries.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".sock"))
                    .map(n -> n.substring(0, n.length() - ".sock".length()))
                    .sorted()
                    .toList();
        } catch (AccessDeniedException e) {
            throw new ControlException("permission denied reading " + directory + ": overlayctl needs root");
        } catch (IOException e) {
            throw new ControlException("cannot list " + directory + ": " + e.getMessage());
        }
    }

    public InterfaceStatus peers(String interfaceName) throws ControlException {
        return request(interfaceName, "peers", InterfaceStatus.class);
    }

    public ClusterStatus members(String interfaceName) throws ControlException {
        return request(interfaceName, "members", ClusterStatus.class);
    }

    /** Publishes a static host (its certificate, DER) through the daemon; returns the cluster as it sees it. */
    public ClusterStatus host(String interfaceName, byte[] certificate) throws ControlException {
        return request(interfaceName, "host " + java.util.Base64.getEncoder().encodeToString(certificate), ClusterStatus.class);
    }

    /** Hands a CA-signed revocation list (DER) to the daemon, which spreads it to the cluster. */
    public void revoke(String interfaceName, byte[] revocationList) throws ControlException {
        request(interfaceName, "revoke " + java.util.Base64.getEncoder().encodeToString(revocationList), JsonNode.class);
    }

    /**
     * Sends one command line (a plugin's command and its argument, e.g. "containers") and reads the
     * reply as {@code type} ({@link JsonNode} for the reply as it is); an error reply is a {@link ControlException}.
     */
    public <T> T request(String interfaceName, String command, Class<T> type) throws ControlException {
        if (command.indexOf('\n') >= 0) {
            throw new ControlException("a command is one line");
        }
        Path socket = directory.resolve(interfaceName + ".sock");
        JsonNode reply;
        try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            OutputStream out = Channels.newOutputStream(channel);
            out.write((command + "\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = Channels.newInputStream(channel);
            reply = ControlProtocol.JSON.readTree(in);
        } catch (NoSuchFileException e) {
            throw notRunning(interfaceName, socket);
        } catch (SocketException e) {
            throw connectFailed(interfaceName, socket, e);
        } catch (JacksonException e) {
            throw new ControlException(interfaceName + ": the daemon's reply is not JSON (" + e.getOriginalMessage() + ")");
        } catch (IOException e) {
            throw new ControlException(interfaceName + ": " + socket + ": " + e.getMessage());
        }
        if (reply == null || reply.has("error")) {
            throw new ControlException(interfaceName + ": the daemon refused: "
                    + (reply == null ? "empty reply" : reply.get("error").asText()));
        }
        try {
            return ControlProtocol.JSON.treeToValue(reply, type);
        } catch (JacksonException e) {
            throw new ControlException(interfaceName + ": unexpected reply from the daemon (" + e.getOriginalMessage() + ")");
        }
    }

    private static ControlException notRunning(String interfaceName, Path socket) {
        return new ControlException("no overlayd serves " + interfaceName + " (no socket at " + socket + ")");
    }

    /** connect(2) on a Unix socket says ENOENT, ECONNREFUSED or EACCES; the JDK only gives the text. */
    private static ControlException connectFailed(String interfaceName, Path socket, SocketException e) {
        String message = String.valueOf(e.getMessage());
        if (message.contains("No such file")) {
            return notRunning(interfaceName, socket);
        }
        if (message.contains("Permission denied")) {
            return new ControlException("permission denied on " + socket + ": overlayctl needs root");
        }
        if (message.contains("Connection refused")) {
            return new ControlException("overlayd for " + interfaceName + " is not running (stale socket " + socket + ")");
        }
        return new ControlException(interfaceName + ": " + socket + ": " + message);
    }
}
