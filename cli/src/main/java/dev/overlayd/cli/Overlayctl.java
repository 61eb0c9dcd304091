package dev.overlayd.cli;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.overlayd.cli.control.ControlClient;
import dev.overlayd.cli.control.ControlException;
import dev.overlayd.node.config.DurationText;
import dev.overlayd.node.control.ControlProtocol;
import dev.overlayd.peers.IpPrefix;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The operator's tool: asks running overlayd daemons through their control sockets. */
@Command(name = "overlayctl", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = "Inspect the overlayd daemons running on this host, and manage the cluster's certificates.",
        subcommands = {PeersCommand.class, MembersCommand.class, RevokeCommand.class, CaCommand.class,
                CertCommand.class, HostCommand.class, ContainersCommand.class, ServicesCommand.class,
                RoutesCommand.class, TokenCommand.class})
public final class Overlayctl implements Runnable {
    /** Where the daemons' control sockets are; tests point it elsewhere. */
    Path controlDirectory = ControlProtocol.DIRECTORY;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine(new Overlayctl()).execute(args));
    }

    /** Failures are one line on stderr and status 1; a usage error also names the fix. */
    static CommandLine commandLine(Overlayctl overlayctl) {
        CommandLine cli = new CommandLine(overlayctl);
        cli.registerConverter(IpPrefix.class, Overlayctl::prefix);
        // Not picocli's own, which would look a host name up in DNS: an address is given as one.
        cli.registerConverter(InetAddress.class, Overlayctl::address);
        cli.registerConverter(Duration.class, Overlayctl::duration);
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("overlayctl: " + e.getMessage());
            return 1;
        });
        cli.setParameterExceptionHandler((e, args) -> {
            e.getCommandLine().getErr().println("overlayctl: " + e.getMessage()
                    + " (see: " + e.getCommandLine().getCommandSpec().qualifiedName() + " --help)");
            return 1;
        });
        return cli;
    }

    /** The interface asked for, or every one running; none running is an error. */
    List<String> interfaces(ControlClient client, String name) throws ControlException {
        List<String> names = name != null ? List.of(name) : client.interfaces();
        if (names.isEmpty()) {
            throw new ControlException("no overlayd interface is running (nothing in " + controlDirectory + ")");
        }
        return names;
    }

    interface Request<T> {
        T ask(ControlClient client, String interfaceName) throws ControlException;
    }

    /** The same question to the interface asked for, or to every one running; their answers in order. */
    <T> List<T> askEach(String name, Request<T> request) throws ControlException {
        ControlClient client = new ControlClient(controlDirectory);
        List<T> answers = new ArrayList<>();
        for (String each : interfaces(client, name)) {
            answers.add(request.ask(client, each));
        }
        return answers;
    }

    /** What `--json` prints: indented, for people reading it too. */
    static String json(Object value) throws JsonProcessingException {
        return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(value);
    }

    /** The interface asked for, or the only one running: for commands that act through one node. */
    String oneInterface(ControlClient client, String name) throws ControlException {
        List<String> names = interfaces(client, name);
        if (names.size() > 1) {
            throw new ControlException("several interfaces are running (" + String.join(", ", names) + "): name one");
        }
        return names.getFirst();
    }

    private static Duration duration(String text) {
        try {
            return DurationText.parse(text);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }

    private static IpPrefix prefix(String text) {
        try {
            return IpPrefix.parse(text);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }

    private static InetAddress address(String text) {
        if (text.contains("/")) {
            throw new CommandLine.TypeConversionException("an address, not a prefix: " + text);
        }
        return prefix(text).inetAddress();
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a command, e.g. overlayctl peers");
    }
}
