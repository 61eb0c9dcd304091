package dev.overlayd.membership.gossip;

import dev.overlayd.membership.Member;

/**
 * A member's record as it spreads: versioned by the member itself, so that any two copies can be
 * ordered. The incarnation is the member's start time, so a restarted member's records supersede
 * those of its earlier life; the heartbeat counts up while it lives. A node's record travels as
 * the node signed it ({@code signed}); a static host's has no signature, as the host runs no
 * overlayd: its certificate is its whole record, versioned by when it was issued.
 */
record Record(Member member, long incarnation, long heartbeat, boolean left, SignedRecord signed) {
    String name() {
        return member.name();
    }

    /** Whether a record with this version would supersede {@code other}. */
    static boolean newer(long incarnation, long heartbeat, boolean left, Record other) {
        return incarnation != other.incarnation ? incarnation > other.incarnation : heartbeat > other.heartbeat
                || heartbeat == other.heartbeat && left && !other.left;
    }
}
