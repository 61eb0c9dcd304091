package dev.overlayd.membership.etcd;

import dev.overlayd.membership.Member;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;

/**
 * What this node believes the cluster's keys hold, and what changed: each put, delete or full re-read
 * becomes the events the listener must hear. Holding the last known records is what lets a node
 * report a departed member's last record and ride out an etcd outage with its peers intact.
 * One thread changes it; {@link #others} may be read from any thread.
 */
final class ClusterView {
    private static final Logger LOG = Logger.getLogger(ClusterView.class.getName());

    private final EtcdSettings settings;
    private final String self;
    private final Map<String, Member> others = new ConcurrentHashMap<>();
    private byte[] revocationList;

    ClusterView(EtcdSettings settings, String self) {
        this.settings = settings;
        this.self = self;
    }

    List<Member> others() {
        return List.copyOf(others.values());
    }

    boolean isSelf(String key) {
        return key.equals(settings.memberKey(self));
    }

    List<MembershipEvent> put(String key, byte[] value) {
        if (key.equals(settings.revocationsKey())) {
            if (Arrays.equals(value, revocationList)) {
                return List.of();
            }
            revocationList = value.clone();
            return List.of(new MembershipEvent.Revoked(value));
        }
        String name = memberName(key);
        if (name == null || name.equals(self)) {
            return List.of();
        }
        Member member;
        try {
            member = MemberRecord.decode(name, value);
        } catch (IOException e) {
            // A record this node cannot read is one it cannot connect to: it is left as it was.
            LOG.warning("etcd: ignoring " + key + ": " + e.getMessage());
            return List.of();
        }
        Member before = others.put(name, member);
        return member.equals(before) ? List.of() : List.of(new MembershipEvent.Present(member));
    }

    List<MembershipEvent> delete(String key, String why) {
        String name = memberName(key);
        if (name == null) {
            return List.of();
        }
        Member gone = others.remove(name);
        return gone == null ? List.of() : List.of(new MembershipEvent.Absent(gone, why));
    }

    /**
     * Replaces the view with a full read of the prefix (key to value), e.g. after the watch's history
     * was compacted away: members missing from it are absent, new or changed ones present.
     */
    List<MembershipEvent> reread(Map<String, byte[]> keys, String whyGone) {
        List<MembershipEvent> events = new ArrayList<>();
        Map<String, Member> before = new HashMap<>(others);
        for (Member member : before.values()) {
            if (!keys.containsKey(settings.memberKey(member.name()))) {
                events.addAll(delete(settings.memberKey(member.name()), whyGone));
            }
        }
        keys.forEach((key, value) -> events.addAll(put(key, value)));
        return events;
    }

    /** The member name a key files, or null for a key of this prefix that is not a member's. */
    private String memberName(String key) {
        String prefix = settings.membersPrefix();
        if (!key.startsWith(prefix) || key.length() == prefix.length() || key.indexOf('/', prefix.length()) >= 0) {
            return null;
        }
        return key.substring(prefix.length());
    }
}
