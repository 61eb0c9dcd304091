package dev.overlayd.node;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import dev.overlayd.membership.Member;
import dev.overlayd.membership.Membership;
import dev.overlayd.membership.MembershipListener;

/** A backend the test drives: it reports what the test says through the listener the node gave it. */
final class RecordingMembership implements Membership {
    private final List<String> events;
    volatile MembershipListener listener;
    private volatile String self;
    private final Map<String, byte[]> records = new TreeMap<>();

    RecordingMembership(List<String> events) {
        this.events = events;
    }

    @Override
    public void start(Member self, MembershipListener listener) {
        this.listener = listener;
        this.self = self.name();
        events.add("joined as " + self.name());
    }

    @Override
    public void update(Member self) {}

    @Override
    public void host(Member host) {}

    @Override
    public void revoke(byte[] revocationList) {}

    synchronized Map<String, byte[]> published() {
        return Map.copyOf(records);
    }

    /** Reports this node's records back at once, as a backend does once it has them. */
    @Override
    public synchronized void publish(String key, byte[] value) {
        if (value == null) {
            records.remove(key);
        } else {
            records.put(key, value);
        }
        listener.records(self, Map.copyOf(records));
    }

    @Override
    public List<Member> members() {
        return List.of();
    }

    @Override
    public void leave() {
        events.add("left");
    }

    @Override
    public void close() {}
}
