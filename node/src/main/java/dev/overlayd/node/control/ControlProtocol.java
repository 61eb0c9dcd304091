package dev.overlayd.node.control;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.overlayd.node.plugin.ControlCommand;
import dev.overlayd.peers.socket.SocketProtocol;
import dev.overlayd.peers.socket.UnixSocketServer;

/**
 * overlayd's control socket {@code /var/run/overlayd/<ifname>.sock}, which `overlayctl` reads: one
 * command line in ("peers", "host BASE64"), one JSON document out, then the connection closes. The
 * commands are registered by name (the node's own and its plugins' alike), so the socket knows none
 * of them. The socket is 0600 in a 0700 directory: what it tells (peer keys, endpoints, traffic) is
 * for root only.
 */
public final class ControlProtocol implements SocketProtocol {
    public static final Path DIRECTORY = Path.of("/var/run/overlayd");
    /** Longer than any command (a revocation list or certificate in base64 is the longest); a client sending more is not overlayctl. */
    private static final int MAX_COMMAND_BYTES = 65536;

    /** Readers ignore fields they do not know, so an older overlayctl can read a newer daemon. */
    public static final ObjectMapper JSON = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    private final Map<String, ControlCommand> commands = new ConcurrentHashMap<>();

    /** Serves {@code protocol} on {@code <directory>/<interfaceName>.sock}. */
    public static UnixSocketServer server(Path directory, String interfaceName, ControlProtocol protocol) {
        // Losing the control socket only blinds overlayctl; the tunnel carries on.
        return new UnixSocketServer("control", directory, PosixFilePermissions.fromString("rwx------"), interfaceName,
                protocol, () -> {});
    }

    /**
     * Serves `overlayctl NAME`: a command name is a single word, taken once.
     *
     * @throws IllegalArgumentException when the name is taken or is not one word
     */
    public void add(String name, ControlCommand command) {
        if (name.isEmpty() || !name.chars().allMatch(c -> c > ' ' && c < 0x7f)) {
            throw new IllegalArgumentException("control command '" + name + "' is not one word");
        }
        if (commands.putIfAbsent(name, command) != null) {
            throw new IllegalArgumentException("control command '" + name + "' is taken");
        }
    }

    /** Withdraws a command, e.g. a plugin's that stopped; a name not served is ignored. */
    public void remove(String name) {
        commands.remove(name);
    }

    @Override
    public void serve(InputStream in, OutputStream out) throws IOException {
        out.write(JSON.writeValueAsBytes(reply(readCommand(in))));
        out.write('\n');
        out.flush();
    }

    private Object reply(String line) {
        if (line == null) {
            return error("command too long");
        }
        String[] words = line.split(" ", 2);
        ControlCommand command = commands.get(words[0]);
        if (command == null) {
            return error("unknown command");
        }
        try {
            return command.run(words.length == 1 ? "" : words[1].strip());
        } catch (IOException e) {
            return error(e.getMessage());
        }
    }

    private static Map<String, String> error(String message) {
        return Map.of("error", String.valueOf(message));
    }

    /** The first line, or null when it is longer than any command. */
    private static String readCommand(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != -1 && b != '\n') {
            if (line.size() == MAX_COMMAND_BYTES) {
                return null;
            }
            line.write(b);
        }
        return line.toString(StandardCharsets.US_ASCII).strip();
    }
}
