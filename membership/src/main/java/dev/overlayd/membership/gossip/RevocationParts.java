package dev.overlayd.membership.gossip;

import java.io.ByteArrayOutputStream;

/**
 * The revocation list as it arrives in parts ({@link GossipMessage#revocationParts}): one list at a
 * time, from one member, so that what is held is one list's bytes at most whoever sends. A part of
 * another list (another sender, another count of parts) or out of order starts over; the list is
 * trusted only once whole and the CA's signature on it checks out, which the caller does.
 */
final class RevocationParts {
    private String sender;
    private int count;
    private int next;
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    /** Takes part {@code part} of {@code parts} from {@code from}; returns the whole list once its last part is in, else null. */
    byte[] take(String from, int part, int parts, byte[] piece) throws Dropped {
        if (parts < 1 || parts > GossipMessage.MAX_REVOCATION_PARTS || part < 0 || part >= parts || piece == null
                || piece.length > GossipMessage.MAX_DATAGRAM) {
            throw new Dropped(GossipDrops.Reason.MALFORMED, "a revocation list's part with bad numbers");
        }
        if (part == 0) {
            sender = from;
            count = parts;
            next = 0;
            bytes.reset();
        } else if (!from.equals(sender) || parts != count || part != next) {
            sender = null;
            bytes.reset();
            return null;
        }
        bytes.writeBytes(piece);
        next++;
        if (next < count) {
            return null;
        }
        byte[] whole = bytes.toByteArray();
        sender = null;
        bytes.reset();
        return whole;
    }
}
