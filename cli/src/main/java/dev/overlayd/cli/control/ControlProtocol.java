package dev.overlayd.cli.control;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.overlayd.peers.socket.SocketProtocol;
import dev.overlayd.peers.socket.UnixSocketServer;

/**
 * overlayd's control socket {@code /var/run/overlayd/<ifname>.sock}, which `overlayctl` reads: one
 * command line in ("peers"), one JSON document out, then the connection closes. The socket is 0600
 * in a 0700 directory: what it tells (peer keys, endpoints, traffic) is for root only.
 */
public final class ControlProtocol implements SocketProtocol {
    public static final Path DIRECTORY = Path.of("/var/run/overlayd");
    /** Longer than any command (a revocation list or certificate in base64 is the longest); a client sending more is not overlayctl. */
    private static final int MAX_COMMAND_BYTES = 65536;

    /** Readers ignore fields they do not know, so an older overlayctl can read a newer daemon. */
    static final ObjectMapper JSON = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    private final StatusReporter reporter;
    private final ClusterControl cluster;

    /** @param cluster null when the daemon is not in cluster mode */
    public ControlProtocol(StatusReporter reporter, ClusterControl cluster) {
        this.reporter = reporter;
        this.cluster = cluster;
    }

    public static UnixSocketServer server(String interfaceName, StatusReporter reporter, ClusterControl cluster) {
        // Losing the control socket only blinds overlayctl; the tunnel carries on.
        return new UnixSocketServer("control", DIRECTORY, PosixFilePermissions.fromString("rwx------"), interfaceName,
                new ControlProtocol(reporter, cluster), () -> {});
    }

    @Override
    public void serve(InputStream in, OutputStream out) throws IOException {
        String line = readCommand(in);
        String command = line == null ? null : line.split(" ", 2)[0];
        Object reply = switch (command) {
            case "peers" -> reporter.status();
            case "members" -> cluster == null ? notClustered() : cluster.members();
            case "revoke" -> cluster == null ? notClustered()
                    : withDer(line, command, "revocation list", der -> {
                        cluster.revoke(der);
                        return Map.of("revoked", true);
                    });
            case "host" -> cluster == null ? notClustered()
                    : withDer(line, command, "certificate", cluster::host);
            case null -> Map.of("error", "command too long");
            default -> Map.of("error", "unknown command");
        };
        out.write(JSON.writeValueAsBytes(reply));
        out.write('\n');
        out.flush();
    }

    private static Map<String, String> notClustered() {
        return Map.of("error", "not in cluster mode (started without an overlay.yaml)");
    }

    private interface DerCommand {
        Object run(byte[] der) throws IOException;
    }

    /** Runs a command whose argument is DER in base64; its failure is the reply's error. */
    private static Object withDer(String line, String command, String what, DerCommand run) {
        byte[] der;
        try {
            der = java.util.Base64.getDecoder().decode(line.substring(command.length()).strip());
        } catch (IllegalArgumentException e) {
            return Map.of("error", "the " + what + " is not base64");
        }
        try {
            return run.run(der);
        } catch (IOException e) {
            return Map.of("error", e.getMessage());
        }
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
