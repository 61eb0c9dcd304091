package dev.overlayd.membership.gossip;

import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the embedded backend dropped, by why: every datagram and record that was refused is
 * counted here rather than logged, as anyone who can send to the ports can make them. Counted from
 * the receiving threads and the membership's thread alike.
 */
final class GossipDrops {
    enum Reason {
        /** Gossip from an address that is no present node's: not a member, or a static host. */
        NOT_A_MEMBER,
        /** The queue to the membership's thread was full. */
        QUEUE_FULL,
        /** The source sent more than its share: join messages always, gossip under load. */
        RATE_LIMITED,
        /** A message of a format version this node does not read (the unsigned version 1 among them). */
        UNKNOWN_VERSION,
        /** Not a message at all: bad JSON, a missing field, a bad length. */
        MALFORMED,
        /** A record (or a part of plugin records) whose signature is not its member's, or whose certificate or name does not match it. */
        BAD_SIGNATURE,
        /** A record or join whose certificate is not admitted (another CA's, expired, revoked) or not a node's. */
        REFUSED,
        /** A first join message without a valid cookie: answered with one, no state kept. */
        NO_COOKIE,
        /** A join message for no exchange in progress, or a source already answering its share of them. */
        UNEXPECTED_JOIN,
        /** A fetch that answers no sync this node sent to its sender, or came too late. */
        UNEXPECTED_FETCH,
        /** A node's plugin records past the limits one node may publish (records, bytes). */
        RECORDS_LIMIT
    }

    private final Map<Reason, LongAdder> counts = new EnumMap<>(Reason.class);

    GossipDrops() {
        for (Reason r : Reason.values()) {
            counts.put(r, new LongAdder());
        }
    }

    void count(Reason reason) {
        counts.get(reason).increment();
    }

    long get(Reason reason) {
        return counts.get(reason).sum();
    }

    /** Every reason with its count, named in lower case with dashes ("bad-signature"). */
    Map<String, Long> snapshot() {
        Map<String, Long> out = new LinkedHashMap<>();
        for (Map.Entry<Reason, LongAdder> e : counts.entrySet()) {
            out.put(e.getKey().name().toLowerCase(Locale.ROOT).replace('_', '-'), e.getValue().sum());
        }
        return out;
    }
}
