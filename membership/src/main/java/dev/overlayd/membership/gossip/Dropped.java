package dev.overlayd.membership.gossip;

/** Why a message or a record was not taken in: counted under {@link #reason}, the message for the debug log. */
final class Dropped extends Exception {
    private final GossipDrops.Reason reason;

    Dropped(GossipDrops.Reason reason, String message) {
        super(message, null, false, false);
        this.reason = reason;
    }

    GossipDrops.Reason reason() {
        return reason;
    }
}
