package dev.overlayd.membership.etcd;

import static org.junit.jupiter.api.Assertions.fail;

import dev.overlayd.membership.Member;
import dev.overlayd.membership.MembershipListener;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;

/** A listener that remembers what one node was told, and waits for what it should be told. */
final class Recorder implements MembershipListener {
    /** Far beyond anything expected here; reaching it means the event never came. */
    private static final Duration PATIENCE = Duration.ofSeconds(20);

    private final Map<String, Member> present = new ConcurrentHashMap<>();
    private final List<String> absent = new CopyOnWriteArrayList<>();
    private final List<byte[]> revoked = new CopyOnWriteArrayList<>();
    private final List<String> history = new CopyOnWriteArrayList<>();

    @Override
    public void present(Member member) {
        present.put(member.name(), member);
        history.add("present " + member);
    }

    @Override
    public void absent(Member member, String why) {
        present.remove(member.name(), member);
        absent.add(member.name());
        history.add("absent " + member + ": " + why);
    }

    @Override
    public void revoked(byte[] revocationList) {
        revoked.add(revocationList);
        history.add("revoked " + revocationList.length + " bytes");
    }

    void awaitPresent(Member member) {
        await("present " + member, () -> member.equals(present.get(member.name())));
    }

    void awaitAbsent(String name) {
        await("absent " + name, () -> absent.contains(name) && !present.containsKey(name));
    }

    void awaitRevoked(byte[] revocationList) {
        await("revoked", () -> revoked.stream().anyMatch(r -> Arrays.equals(r, revocationList)));
    }

    /** Everyone currently reported present, by name. */
    Set<String> presentNames() {
        return Set.copyOf(present.keySet());
    }

    List<String> absent() {
        return List.copyOf(absent);
    }

    List<byte[]> revoked() {
        return List.copyOf(revoked);
    }

    private void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("not told " + what + " within " + PATIENCE.toSeconds() + " s; told " + history);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted waiting for " + what);
            }
        }
    }
}
