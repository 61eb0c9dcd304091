package dev.overlayd.node;

import java.util.List;
import dev.overlayd.membership.Member;
import dev.overlayd.membership.Membership;
import dev.overlayd.membership.MembershipListener;

/** A backend the test drives: it reports what the test says through the listener the node gave it. */
final class RecordingMembership implements Membership {
    private final List<String> events;
    volatile MembershipListener listener;

    RecordingMembership(List<String> events) {
        this.events = events;
    }

    @Override
    public void start(Member self, MembershipListener listener) {
        this.listener = listener;
        events.add("joined as " + self.name());
    }

    @Override
    public void update(Member self) {}

    @Override
    public void host(Member host) {}

    @Override
    public void revoke(byte[] revocationList) {}

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
