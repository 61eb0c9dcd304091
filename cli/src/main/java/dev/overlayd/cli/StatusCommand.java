package dev.overlayd.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import com.fasterxml.jackson.core.JsonProcessingException;
import dev.overlayd.cli.control.ControlClient;
import dev.overlayd.cli.control.ControlException;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * A command that asks each running interface, or the one named, for its status and prints the
 * answers for people or, with --json, as one JSON array for scripts: peers, members, containers,
 * routes, services. Both forms come from the same answers, so they cannot disagree.
 */
abstract class StatusCommand<T> implements Callable<Integer> {
    @ParentCommand
    Overlayctl parent;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /**
     * What the command line asked: the interface (null for every one running), named as the
     * subclass says, and whether for scripts.
     */
    abstract static class Query {
        @Option(names = "--json", description = "Print a JSON array, one element per interface, for scripts.")
        boolean json;

        abstract String interfaceName();
    }

    /** The command's {@link StatusQuery} or {@link InterfaceQuery} mixin. */
    abstract Query query();

    /** One interface's answer, the interface's name in it, lists absent from the reply empty. */
    abstract T ask(ControlClient client, String interfaceName) throws ControlException;

    abstract void print(PrintWriter out, List<T> answers);

    @Override
    public final Integer call() throws ControlException, JsonProcessingException {
        List<T> answers = parent.askEach(query().interfaceName(), this::ask);
        PrintWriter out = spec.commandLine().getOut();
        if (query().json) {
            out.println(Overlayctl.json(answers));
        } else {
            print(out, answers);
        }
        out.flush();
        return 0;
    }

    static <E> List<E> orEmpty(List<E> list) {
        return list == null ? List.of() : list;
    }
}
