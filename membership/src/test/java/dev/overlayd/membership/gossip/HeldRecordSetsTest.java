package dev.overlayd.membership.gossip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import dev.overlayd.membership.Member;
import dev.overlayd.membership.MembershipListener;
import org.junit.jupiter.api.Test;

/** What a node keeps of another's plugin records: whole sets assembled within bounds, floors after it went. */
class HeldRecordSetsTest {
    private static final long SECOND = 1_000_000_000L;

    private final Map<String, Map<String, byte[]>> told = new LinkedHashMap<>();
    private final GossipDrops drops = new GossipDrops();
    private final HeldRecordSets held = new HeldRecordSets(new MembershipListener() {
        @Override
        public void present(Member member) {}

        @Override
        public void absent(Member member, String why) {}

        @Override
        public void records(String member, Map<String, byte[]> records) {
            told.put(member, records);
        }

        @Override
        public void revoked(byte[] revocationList) {}
    }, drops, Duration.ofSeconds(1), Duration.ofSeconds(10));

    @Test
    void aPartialSetThatFallsSilentIsDroppedAndANewerVersionReplacesAnOlderOne() {
        held.take("a", part(5, 0, 3, "x"), 0);
        assertTrue(held.unsettled(0).isEmpty(), "nothing announced yet");
        held.announced("a", 5, true, 0);
        assertTrue(held.unsettled(0).get("a").endsWith("1 of 3 parts of v5 in"), held.unsettled(0).toString());
        held.expire(11 * SECOND);
        assertFalse(held.unsettled(11 * SECOND).get("a").contains("parts"), "the partial set went after the TTL");
        assertTrue(held.wanted("a", part(5, 0, 3, "x")), "and its parts are wanted again");

        held.take("a", part(5, 0, 3, "x"), 12 * SECOND);
        held.take("a", part(6, 0, 2, "y"), 12 * SECOND);
        assertFalse(held.wanted("a", part(5, 1, 3, "x")), "an older version's part, once a newer one is coming in");
        held.take("a", part(6, 1, 2, "z"), 12 * SECOND);
        assertEquals(List.of("y", "z"), List.copyOf(told.get("a").keySet()));
        assertEquals(Map.of(), held.unsettled(12 * SECOND));
    }

    @Test
    void aSetPastTheLimitsIsRefusedAndCounted() {
        int parts = OwnRecordSet.MAX_RECORDS / 100 + 1;
        for (int p = 0; p < parts; p++) {
            List<RecordSetPart.Entry> entries = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                entries.add(new RecordSetPart.Entry("k" + (p * 100 + i), new byte[1]));
            }
            held.take("a", new RecordSetPart.Body(7, null, p, parts, entries), 0);
        }
        assertEquals(1, drops.get(GossipDrops.Reason.RECORDS_LIMIT));
        assertFalse(told.containsKey("a"));
    }

    @Test
    void aMemberThatWentKeepsItsVersionAsAFloor() {
        held.take("a", part(5, 0, 1, "x"), 0);
        assertEquals(Map.of("x", 1), sizes(told.get("a")));
        held.forget("a", SECOND);
        assertEquals(Map.of(), told.get("a"));
        assertFalse(held.carries("a"));
        assertFalse(held.wanted("a", part(4, 0, 1, "old")), "what it had before");
        assertTrue(held.wanted("a", part(5, 0, 1, "x")), "what it has, once it is back");
        assertTrue(held.announced("a", 5, true, 2 * SECOND), "back: pulled again");
        assertTrue(held.carries("a"));
    }

    @Test
    void aDeltaFromAnotherVersionThanTheOneHeldPullsOncePerInterval() {
        held.take("a", part(5, 0, 1, "x"), 0);
        RecordSetPart.Body skipped = new RecordSetPart.Body(8, 7L, 0, 1, List.of(new RecordSetPart.Entry("x", null)));
        assertTrue(held.take("a", skipped, SECOND));
        assertFalse(held.take("a", skipped, SECOND + 1), "one pull in flight");
        assertFalse(held.announced("a", 8, false, 3 * SECOND), "not on another's word");
        assertTrue(held.announced("a", 8, true, 3 * SECOND));
        assertEquals(Map.of("x", 1), sizes(told.get("a")), "the delta did not apply");
    }

    private static RecordSetPart.Body part(long version, int part, int parts, String key) {
        return new RecordSetPart.Body(version, null, part, parts, List.of(new RecordSetPart.Entry(key, new byte[1])));
    }

    private static Map<String, Integer> sizes(Map<String, byte[]> records) {
        Map<String, Integer> out = new LinkedHashMap<>();
        records.forEach((k, v) -> out.put(k, v.length));
        return out;
    }
}
