package dev.overlayd.membership.etcd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.overlayd.membership.Membership;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OwnRecordsTest {
    private final OwnRecords own = new OwnRecords();

    @Test
    void keysAndValuesPastTheLimitsAreRefusedInWords() {
        assertEquals("a record key has 1 to 200 characters, not 201", refused("k".repeat(201), new byte[1]));
        assertEquals("a record key has 1 to 200 characters, not 0", refused("", new byte[1]));
        assertEquals("a record key is printable ASCII without spaces: a space at 1 of 'a?b'", refused("a b", new byte[1]));
        assertEquals("a record key is printable ASCII without spaces: character 233 at 3 of 'caf?'", refused("café", null));
        assertEquals("a record value is at most 1024 bytes, not 1025", refused("k", new byte[Membership.MAX_RECORD_VALUE + 1]));
        assertEquals(0, own.pendingCount(), "nothing refused is kept");
        assertTrue(own.set("~".repeat(Membership.MAX_RECORD_KEY), new byte[Membership.MAX_RECORD_VALUE]));
    }

    @Test
    void aNodeHasAtMostAsManyRecordsAsOthersHoldOfIt() {
        for (int i = 0; i < RecordsView.MAX_PER_MEMBER; i++) {
            own.set("k" + i, new byte[0]);
        }
        assertEquals("record one-more: this node has 4096 records, the most a member may have",
                refused("one-more", new byte[0]));
        assertTrue(own.set("k0", null));
        assertTrue(own.set("one-more", new byte[0]));
    }

    @Test
    void aRecordPublishedAgainWhileItIsBeingWrittenIsWrittenAgain() {
        own.set("k", new byte[] {1});
        OwnRecords.Pending writing = own.pending().getFirst();
        own.set("k", new byte[] {2});
        own.wrote(writing, new byte[] {'1'}, 10);
        assertArrayEquals(new byte[] {2}, own.pending().getFirst().value());
        own.wrote(own.pending().getFirst(), new byte[] {'2'}, 11);
        assertEquals(0, own.pendingCount());
        assertFalse(own.set("k", new byte[] {2}), "the same value again is no change");
    }

    @Test
    void whatSomeoneElseChangesIsPutRightAndOwnOrOlderChangesAreNot() {
        own.set("k", new byte[] {1});
        own.wrote(own.pending().getFirst(), new byte[] {'1'}, 10);
        own.observed("k", new byte[] {'1'}, 10);
        own.observed("k", new byte[] {'0'}, 9);
        own.observed("gone", null, 12);
        assertEquals(0, own.pendingCount());
        own.observed("k", new byte[] {'x'}, 12);
        own.observed("planted", new byte[] {'x'}, 13);
        assertEquals(Map.of("k", true, "planted", false), withoutValues(own.pending()));
    }

    @Test
    void aLostLeaseOrAReadThatDiffersHasEverythingWrittenAgain() {
        own.set("a", new byte[] {1});
        own.set("b", new byte[] {2});
        for (OwnRecords.Pending pending : own.pending()) {
            own.wrote(pending, pending.value(), 10);
        }
        own.reread(Map.of("a", new byte[] {1}, "b", new byte[] {2}));
        assertEquals(0, own.pendingCount());
        own.reread(Map.of("a", new byte[] {1}, "left-over", new byte[] {3}));
        assertEquals(Map.of("b", true, "left-over", false), withoutValues(own.pending()));
        own.lost();
        assertEquals(Map.of("a", true, "b", true, "left-over", false), withoutValues(own.pending()));
    }

    private String refused(String key, byte[] value) {
        return assertThrows(IllegalArgumentException.class, () -> own.set(key, value)).getMessage();
    }

    /** Each pending key, and whether it is to be written (true) or deleted. */
    private static Map<String, Boolean> withoutValues(List<OwnRecords.Pending> pending) {
        return pending.stream().collect(java.util.stream.Collectors.toMap(OwnRecords.Pending::key, p -> p.value() != null));
    }
}
