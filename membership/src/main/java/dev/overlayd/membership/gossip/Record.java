package dev.overlayd.membership.gossip;

import dev.overlayd.membership.Member;

/**
 * A member's record as it spreads: versioned by the member itself, so that any two copies can be
 * ordered. The incarnation is the member's start time, so a restarted member's records supersede
 * those of its earlier life; the heartbeat counts up while it lives.
 */
record Record(Member member, long incarnation, long heartbeat, boolean left) {
    String name() {
        return member.name();
    }

    boolean newerThan(Record other) {
        return incarnation != other.incarnation ? incarnation > other.incarnation : heartbeat > other.heartbeat
                || heartbeat == other.heartbeat && left && !other.left;
    }
}
