package dev.overlayd.membership.etcd;

import static org.junit.jupiter.api.Assertions.fail;

import dev.overlayd.membership.Member;
import dev.overlayd.membership.MembershipListener;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** A listener that remembers what one node was told, and waits for what it should be told. */
final class Recorder implements MembershipListener {
    /** Far beyond anything expected here; reaching it means the event never came. */
    private static final Duration PATIENCE = Duration.ofSeconds(20);

    private final Map<String, Member> present = new ConcurrentHashMap<>();
    private final List<String> absent = new CopyOnWriteArrayList<>();
    private final List<byte[]> revoked = new CopyOnWriteArrayList<>();
    private final List<String> history = new CopyOnWriteArrayList<>();
    private final List<Member> presented = new CopyOnWriteArrayList<>();
    /** Each member's records as last told, in text; dropped when it is absent, as ClusterPeers drops them. */
    private final Map<String, Map<String, String>> records = new ConcurrentHashMap<>();
    private final List<Map.Entry<String, Map<String, String>>> recordsTold = new CopyOnWriteArrayList<>();

    @Override
    public void present(Member member) {
        present.put(member.name(), member);
        presented.add(member);
        history.add("present " + member);
    }

    @Override
    public void absent(Member member, String why) {
        present.remove(member.name(), member);
        records.remove(member.name());
        absent.add(member.name());
        history.add("absent " + member + ": " + why);
    }

    @Override
    public void records(String member, Map<String, byte[]> now) {
        Map<String, String> text = new TreeMap<>();
        now.forEach((key, value) -> text.put(key, new String(value, StandardCharsets.UTF_8)));
        records.put(member, Map.copyOf(text));
        recordsTold.add(Map.entry(member, Map.copyOf(text)));
        history.add("records " + member + " " + text);
    }

    /** The records last told of {@code member} (as UTF-8 text), empty when none or it is absent. */
    Map<String, String> records(String member) {
        return records.getOrDefault(member, Map.of());
    }

    void awaitRecords(String member, Map<String, String> expected) {
        await("records of " + member + " " + expected, () -> expected.equals(records(member)));
    }

    /** Every record set told of {@code member}, in order. */
    List<Map<String, String>> recordsHistory(String member) {
        return recordsTold.stream().filter(e -> e.getKey().equals(member)).map(Map.Entry::getValue).toList();
    }

    @Override
    public void revoked(byte[] revocationList) {
        revoked.add(revocationList);
        history.add("revoked " + revocationList.length + " bytes");
    }

    void awaitPresent(Member member) {
        await("present " + member, () -> member.equals(present.get(member.name())));
    }

    /** The record currently reported present under {@code name}, or null. */
    Member present(String name) {
        return present.get(name);
    }

    /** Every record ever reported present under {@code name}, in order. */
    List<Member> presentHistory(String name) {
        return List.copyOf(presented.stream().filter(m -> m.name().equals(name)).toList());
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
        await("told " + what, condition, () -> "told " + history);
    }

    /** Waits for {@code condition}, failing with {@code state} when it never holds. */
    static void await(String what, BooleanSupplier condition, Supplier<String> state) {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("not " + what + " within " + PATIENCE.toSeconds() + " s; " + state.get());
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
