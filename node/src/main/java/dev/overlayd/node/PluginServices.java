package dev.overlayd.node;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;
import dev.overlayd.node.plugin.Subscription;

/**
 * What plugins offer one another, by type: whoever uses a type hears of its service when it is
 * provided, so the order the plugins start in does not matter.
 */
final class PluginServices {
    private static final Logger LOG = Logger.getLogger(PluginServices.class.getName());

    private final Map<Class<?>, Object> provided = new HashMap<>();
    private final Map<Class<?>, List<Consumer<Object>>> users = new HashMap<>();

    synchronized <T> void provide(Class<T> type, T service) {
        if (provided.putIfAbsent(type, type.cast(service)) != null) {
            throw new IllegalArgumentException("a plugin already provides " + type.getName());
        }
        for (Consumer<Object> user : users.getOrDefault(type, List.of())) {
            give(type, user, service);
        }
    }

    synchronized void withdraw(Class<?> type) {
        provided.remove(type);
    }

    synchronized <T> Subscription use(Class<T> type, Consumer<? super T> user) {
        Consumer<Object> typed = service -> user.accept(type.cast(service));
        users.computeIfAbsent(type, t -> new ArrayList<>()).add(typed);
        Object service = provided.get(type);
        if (service != null) {
            give(type, typed, service);
        }
        return () -> {
            synchronized (this) {
                users.getOrDefault(type, new ArrayList<>()).remove(typed);
            }
        };
    }

    private static void give(Class<?> type, Consumer<Object> user, Object service) {
        try {
            user.accept(service);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "a plugin failed to take " + type.getSimpleName() + ": " + e, e);
        }
    }
}
