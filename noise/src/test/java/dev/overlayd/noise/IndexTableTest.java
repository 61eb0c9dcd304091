package dev.overlayd.noise;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.PrimitiveIterator;
import java.util.Random;
import java.util.Set;
import java.util.function.IntSupplier;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class IndexTableTest {
    private static Handshake handshakeA;
    private static Handshake handshakeB;
    private static Keypair keypairA;
    private static Keypair keypairB;

    @BeforeAll
    static void makeValues() {
        ManualClock clock = new ManualClock();
        handshakeA = TestPeers.handshake(clock);
        handshakeB = TestPeers.handshake(clock);
        TestPeers.Session session = TestPeers.session(clock);
        keypairA = session.initiator();
        keypairB = session.responder();
    }

    /** A SecureRandom whose nextInt() answers what the test says, the table's only source of indices. */
    private static final class ScriptedRandom extends SecureRandom {
        private final IntSupplier next;
        private int draws;

        ScriptedRandom(IntSupplier next) {
            this.next = next;
        }

        ScriptedRandom(int... script) {
            this(iterate(script));
        }

        private static IntSupplier iterate(int[] script) {
            PrimitiveIterator.OfInt it = IntStream.of(script).iterator();
            return it::nextInt;
        }

        @Override
        public int nextInt() {
            draws++;
            return next.getAsInt();
        }
    }

    @Test
    void insertedHandshakesGetDistinctIndicesAndAreFoundUnderThem() {
        IndexTable<String> table = new IndexTable<>(new SecureRandom());
        int a = table.insertHandshake("peer a", handshakeA);
        int b = table.insertHandshake("peer b", handshakeB);
        assertNotEquals(a, b);
        assertEquals(new IndexTable.Entry<>("peer a", handshakeA, null), table.lookup(a));
        assertEquals(new IndexTable.Entry<>("peer b", handshakeB, null), table.lookup(b));
        assertSame(handshakeA, table.lookup(a).handshake());
        assertEquals(2, table.size());
    }

    @Test
    void manyInsertionsNeverReuseAnIndex() {
        IndexTable<Integer> table = new IndexTable<>(new SecureRandom());
        Set<Integer> indices = new HashSet<>();
        for (int i = 0; i < 2000; i++) {
            assertTrue(indices.add(table.insertHandshake(i, handshakeA)));
        }
        for (int index : indices) {
            assertSame(handshakeA, table.lookup(index).handshake());
        }
    }

    @Test
    void swapToKeypairReplacesTheHandshakeUnderTheSameIndex() {
        IndexTable<String> table = new IndexTable<>(new SecureRandom());
        int index = table.insertHandshake("peer", handshakeA);
        int other = table.insertHandshake("other", handshakeB);

        assertTrue(table.swapToKeypair(index, keypairA));

        assertEquals(new IndexTable.Entry<>("peer", null, keypairA), table.lookup(index));
        assertEquals(new IndexTable.Entry<>("other", handshakeB, null), table.lookup(other));
        assertEquals(2, table.size());
    }

    @Test
    void swapToKeypairOfAnUnknownIndexChangesNothing() {
        IndexTable<String> table = new IndexTable<>(new ScriptedRandom(7));
        table.insertHandshake("peer", handshakeA);
        assertFalse(table.swapToKeypair(8, keypairA));
        assertNull(table.lookup(8));
        assertEquals(1, table.size());
    }

    @Test
    void removeForgetsTheIndexOnly() {
        IndexTable<String> table = new IndexTable<>(new SecureRandom());
        int a = table.insertHandshake("a", handshakeA);
        int b = table.insertHandshake("b", handshakeB);
        table.swapToKeypair(b, keypairB);

        table.remove(a);
        assertNull(table.lookup(a));
        assertSame(keypairB, table.lookup(b).keypair());
        table.remove(a); // twice is harmless
        table.remove(b);
        assertNull(table.lookup(b));
        assertEquals(0, table.size());
        assertFalse(table.swapToKeypair(b, keypairA), "a removed index cannot be swapped back in");
    }

    @Test
    void unknownIndicesAreNotFound() {
        IndexTable<String> table = new IndexTable<>(new ScriptedRandom(1, 2, 3));
        for (int index : new int[] {0, 1, -1, Integer.MIN_VALUE, Integer.MAX_VALUE}) {
            assertNull(table.lookup(index), "empty table, index " + index);
        }
        table.insertHandshake("p", handshakeA);
        table.insertHandshake("p", handshakeA);
        table.insertHandshake("p", handshakeA);
        for (int index : new int[] {0, 4, -1, Integer.MIN_VALUE, Integer.MAX_VALUE}) {
            assertNull(table.lookup(index), "index " + index);
        }
    }

    @Test
    void zeroIsNeverHandedOutAndExtremeValuesAre() {
        ScriptedRandom random = new ScriptedRandom(0, -1, Integer.MIN_VALUE, 0, Integer.MAX_VALUE);
        IndexTable<String> table = new IndexTable<>(random);
        for (int expected : new int[] {-1, Integer.MIN_VALUE, Integer.MAX_VALUE}) {
            assertEquals(expected, table.insertHandshake("p" + expected, handshakeA));
        }
        assertEquals(5, random.draws, "both zeros were redrawn");
        assertNull(table.lookup(IndexTable.NONE));
        for (int index : new int[] {-1, Integer.MIN_VALUE, Integer.MAX_VALUE}) {
            assertEquals("p" + index, table.lookup(index).peer());
        }
    }

    @Test
    void redrawsAnIndexThatIsAlreadyTaken() {
        ScriptedRandom random = new ScriptedRandom(42, 42, 42, 7, 42, 7, 42, 9);
        IndexTable<String> table = new IndexTable<>(random);
        assertEquals(42, table.insertHandshake("first", handshakeA));
        assertEquals(7, table.insertHandshake("second", handshakeB));
        assertEquals(9, table.insertHandshake("third", handshakeA));
        assertEquals(8, random.draws);
        assertEquals("first", table.lookup(42).peer());
        assertEquals("second", table.lookup(7).peer());
        assertEquals("third", table.lookup(9).peer());
    }

    @Test
    void aRemovedIndexMayBeDrawnAgain() {
        IndexTable<String> table = new IndexTable<>(new ScriptedRandom(42, 42));
        assertEquals(42, table.insertHandshake("old", handshakeA));
        table.remove(42);
        assertEquals(42, table.insertHandshake("new", handshakeB));
        assertEquals(new IndexTable.Entry<>("new", handshakeB, null), table.lookup(42));
    }

    /**
     * Indices that differ only in their top bits land in one run of slots under a multiplicative
     * hash: lookups must walk the run, also after entries in its middle are removed.
     */
    @Test
    void findsIndicesWhoseSlotsCollide() {
        int[] clustered = IntStream.range(0, 256).map(i -> (i << 24) | 1).toArray();
        IndexTable<Integer> table = new IndexTable<>(new ScriptedRandom(clustered));
        for (int index : clustered) {
            table.insertHandshake(index, handshakeA);
        }
        for (int i = 0; i < 256; i += 3) {
            table.remove(clustered[i]);
        }
        for (int i = 0; i < 256; i++) {
            IndexTable.Entry<Integer> entry = table.lookup(clustered[i]);
            if (i % 3 == 0) {
                assertNull(entry, "removed " + i);
            } else {
                assertEquals(clustered[i], entry.peer(), "kept " + i);
            }
        }
        assertNull(table.lookup(1 << 23));
    }

    /**
     * Thousands of inserts, swaps and removes against a HashMap. The table grows to several hundred
     * entries and shrinks to none twice, so it is rebuilt at every capacity from 4 to 1024 on the way
     * up and down. Indices come from a small range now and then, so draws collide.
     */
    @Test
    void agreesWithAMapUnderRandomOperations() {
        Random random = new Random(0x1D_7AB1EL);
        IndexTable<Integer> table = new IndexTable<>(new ScriptedRandom(
                () -> random.nextInt(4) == 0 ? random.nextInt(600) - 300 : random.nextInt()));
        Map<Integer, IndexTable.Entry<Integer>> model = new HashMap<>();
        List<Integer> live = new ArrayList<>();
        Handshake[] handshakes = {handshakeA, handshakeB};
        Keypair[] keypairs = {keypairA, keypairB};
        int[] targets = {450, 0, 300, 0};
        int steps = 0;
        for (int target : targets) {
            while (live.size() != target) {
                boolean grow = live.size() < target ? random.nextInt(4) != 0 : random.nextInt(4) == 0;
                int op = random.nextInt(4);
                if (grow) {
                    Handshake handshake = handshakes[random.nextInt(2)];
                    int peer = random.nextInt(50);
                    int index = table.insertHandshake(peer, handshake);
                    assertFalse(model.containsKey(index), "index " + index + " handed out twice");
                    model.put(index, new IndexTable.Entry<>(peer, handshake, null));
                    live.add(index);
                } else if (op == 0 && !live.isEmpty()) {
                    int index = live.get(random.nextInt(live.size()));
                    Keypair keypair = keypairs[random.nextInt(2)];
                    assertTrue(table.swapToKeypair(index, keypair));
                    model.put(index, new IndexTable.Entry<>(model.get(index).peer(), null, keypair));
                } else if (op == 1) {
                    int unknown = random.nextInt();
                    if (!model.containsKey(unknown)) {
                        assertFalse(table.swapToKeypair(unknown, keypairA));
                        table.remove(unknown);
                    }
                } else if (!live.isEmpty()) {
                    int index = live.remove(random.nextInt(live.size()));
                    table.remove(index);
                    model.remove(index);
                }
                assertEquals(model.size(), table.size());
                if (steps++ % 7 == 0) {
                    assertAgrees(model, table, random);
                }
            }
            assertAgrees(model, table, random);
        }
        assertTrue(steps > 2000, "steps " + steps);
    }

    private static void assertAgrees(Map<Integer, IndexTable.Entry<Integer>> model, IndexTable<Integer> table,
                                     Random random) {
        for (Map.Entry<Integer, IndexTable.Entry<Integer>> e : model.entrySet()) {
            assertEquals(e.getValue(), table.lookup(e.getKey()), "index " + e.getKey());
        }
        for (int i = 0; i < 20; i++) {
            int probe = i < 10 ? random.nextInt(600) - 300 : random.nextInt();
            assertEquals(model.get(probe), table.lookup(probe), "index " + probe);
        }
    }
}
