package dev.overlayd.node.plugin;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * A node for plugins' tests: the test says who it is, adds and removes members, sets peers' health,
 * and calls the commands the plugin added, as overlayctl would.
 */
public final class FakePluginContext implements PluginContext {
    private final NodeIdentity self;
    private final Path stateDirectory;
    private final Map<String, ClusterMember> members = new LinkedHashMap<>();
    private final Map<String, PeerHealth> health = new LinkedHashMap<>();
    private final Map<String, ControlCommand> commands = new LinkedHashMap<>();
    private final List<MemberListener> listeners = new CopyOnWriteArrayList<>();
    private final Map<String, Map<String, byte[]>> records = new TreeMap<>();
    private final List<RecordListener> recordListeners = new CopyOnWriteArrayList<>();
    private final Map<String, String> unsettled = new TreeMap<>();
    private final Map<Class<?>, Object> services = new HashMap<>();
    private final Map<Class<?>, List<Consumer<Object>>> users = new HashMap<>();
    private volatile int mtu = 1420;
    /** What the plugin registered, for the test to read. */
    private final MeterRegistry metrics = new SimpleMeterRegistry();

    public FakePluginContext(NodeIdentity self, Path stateDirectory) {
        this.self = self;
        this.stateDirectory = stateDirectory;
        try {
            Files.createDirectories(stateDirectory);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public NodeIdentity self() {
        return self;
    }

    @Override
    public synchronized List<ClusterMember> members() {
        return List.copyOf(members.values());
    }

    @Override
    public synchronized Subscription onMembers(MemberListener listener) {
        members.values().forEach(listener::joined);
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    /** A member is admitted (or changed): every listener hears it. */
    public synchronized void join(ClusterMember member) {
        members.put(member.name(), member);
        listeners.forEach(l -> l.joined(member));
    }

    public synchronized void leave(String name, String why) {
        ClusterMember gone = members.remove(name);
        if (gone != null) {
            listeners.forEach(l -> l.left(gone, why));
        }
    }

    public int listeners() {
        return listeners.size();
    }

    @Override
    public synchronized Optional<PeerHealth> health(String member) {
        return Optional.ofNullable(health.get(member));
    }

    public synchronized void setHealth(String member, PeerHealth peer) {
        health.put(member, peer);
    }

    @Override
    public int mtu() {
        return mtu;
    }

    public void setMtu(int mtu) {
        this.mtu = mtu;
    }

    @Override
    public synchronized void addCommand(String name, ControlCommand command) {
        if (commands.putIfAbsent(name, command) != null) {
            throw new IllegalArgumentException("control command '" + name + "' is taken");
        }
    }

    /** Runs `overlayctl NAME ARGUMENT` as the control socket would; an unknown name fails. */
    public Object command(String name, String argument) throws IOException {
        ControlCommand command;
        synchronized (this) {
            command = commands.get(name);
        }
        if (command == null) {
            throw new IllegalArgumentException("no control command '" + name + "'; added: " + new ArrayList<>(commands.keySet()));
        }
        return command.run(argument);
    }

    @Override
    public Path stateDirectory() {
        return stateDirectory;
    }

    @Override
    public MeterRegistry metrics() {
        return metrics;
    }

    /** Keeps this node's record and tells every record listener, as the backend would. */
    @Override
    public synchronized void publish(String key, byte[] value) {
        Map<String, byte[]> own = new TreeMap<>(records.getOrDefault(self.name(), Map.of()));
        if (value == null) {
            own.remove(key);
        } else {
            own.put(key, value.clone());
        }
        records(self.name(), own);
    }

    /** A member's records as the test says they are now (empty: none, or gone). */
    public synchronized void records(String member, Map<String, byte[]> now) {
        Map<String, byte[]> copy = Map.copyOf(now);
        records.put(member, copy);
        recordListeners.forEach(l -> l.records(member, copy));
    }

    /** What this node published, as the others would hear it. */
    public synchronized Map<String, byte[]> published() {
        return records.getOrDefault(self.name(), Map.of());
    }

    @Override
    public synchronized Subscription onRecords(RecordListener listener) {
        records.forEach(listener::records);
        recordListeners.add(listener);
        return () -> recordListeners.remove(listener);
    }

    @Override
    public synchronized Map<String, String> unsettled() {
        return Map.copyOf(unsettled);
    }

    public synchronized void setUnsettled(String member, String why) {
        if (why == null) {
            unsettled.remove(member);
        } else {
            unsettled.put(member, why);
        }
    }

    @Override
    public synchronized <T> void provide(Class<T> type, T service) {
        services.put(type, service);
        users.getOrDefault(type, List.of()).forEach(u -> u.accept(service));
    }

    @Override
    public synchronized <T> Subscription use(Class<T> type, Consumer<? super T> user) {
        Consumer<Object> typed = service -> user.accept(type.cast(service));
        users.computeIfAbsent(type, t -> new ArrayList<>()).add(typed);
        Object service = services.get(type);
        if (service != null) {
            typed.accept(service);
        }
        return () -> {
            synchronized (this) {
                users.get(type).remove(typed);
            }
        };
    }
}
