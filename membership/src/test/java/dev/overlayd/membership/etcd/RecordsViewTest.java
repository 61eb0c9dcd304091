package dev.overlayd.membership.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.overlayd.membership.identity.SigningKey;
import dev.overlayd.membership.identity.VerifyingKey;
import dev.overlayd.noise.PrivateKey;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RecordsViewTest {
    private final EtcdSettings settings = new EtcdSettings(List.of(URI.create("http://127.0.0.1:2379")), "c",
            EtcdSettings.DEFAULT_TTL, null, null);
    private final SigningKey m = SigningKey.derive(PrivateKey.generate(new SecureRandom()));
    /** The members whose record is held, as ClusterView gives their keys. */
    private final Map<String, VerifyingKey> present = new HashMap<>();
    private final RecordsView view = new RecordsView(settings, present::get);

    @AfterEach
    void wipe() {
        m.close();
    }

    @Test
    void aWithdrawnRecordWrittenAgainIsStale() {
        present.put("m", m.verifyingKey());
        byte[] web = record("web", 5, "up");
        put("web", web);
        assertEquals(List.of(told(Map.of("web", "up"))), reported());
        delete("web");
        assertEquals(List.of(told(Map.of())), reported());

        put("web", web);
        assertEquals(List.of(), reported());
        assertEquals(1L, view.drops().get("record-stale"));
        put("web", record("web", 6, "up again"));
        assertEquals(List.of(told(Map.of("web", "up again"))), reported());
    }

    @Test
    void aFullReadJudgesWhatItFindsAsOneSetWhateverOrderTheKeysComeIn() {
        present.put("m", m.verifyingKey());
        put("old", record("old", 1, "1"));
        reported();
        Map<String, byte[]> read = new TreeMap<>();
        // Sorted by key, the newer record comes first.
        read.put(settings.recordKey("m", "a-newer"), record("a-newer", 9, "9"));
        read.put(settings.recordKey("m", "b-older"), record("b-older", 7, "7"));
        read.put(settings.recordKey("m", "old"), record("old", 1, "1"));
        read.put(settings.recordKey("self", "mine"), new byte[] {1});

        view.reread(read, "self");

        assertEquals(List.of(told(Map.of("a-newer", "9", "b-older", "7", "old", "1"))), reported());
        assertEquals(0L, view.drops().values().stream().mapToLong(Long::longValue).sum(), view.drops().toString());
    }

    @Test
    void recordsOfAMemberWithoutItsRecordWaitForItAndAreCheckedThen() throws Exception {
        put("web", record("web", 3, "up"));
        put("forged", PublishedRecord.signed("m", "forged", 4, bytes("x"),
                SigningKey.derive(PrivateKey.generate(new SecureRandom()))));
        assertEquals(List.of(), reported());

        present.put("m", m.verifyingKey());
        view.refresh("m");
        assertEquals(List.of(told(Map.of("web", "up"))), reported());
        assertEquals(1L, view.drops().get("record-bad-signature"));

        present.remove("m");
        view.refresh("m");
        assertEquals(List.of(), reported());
        present.put("m", m.verifyingKey());
        view.refresh("m");
        assertEquals(List.of(told(Map.of("web", "up"))), reported(), "told again: the listener forgot them");
    }

    @Test
    void keysOutsideTheLayoutAreMalformed() {
        present.put("m", m.verifyingKey());
        view.put(view.path(settings.recordsPrefix() + "m"), settings.recordsPrefix() + "m", record("x", 1, "1"));
        view.put(view.path(settings.recordsPrefix() + "m/"), settings.recordsPrefix() + "m/", record("x", 1, "1"));
        put("k".repeat(201), record("k".repeat(201), 1, "1"));
        assertEquals(List.of(), reported());
        assertEquals(3L, view.drops().get("record-malformed"));
    }

    private byte[] record(String key, long version, String value) {
        return PublishedRecord.signed("m", key, version, bytes(value), m);
    }

    private void put(String key, byte[] stored) {
        String etcdKey = settings.recordKey("m", key);
        view.put(view.path(etcdKey), etcdKey, stored);
    }

    private void delete(String key) {
        view.delete(view.path(settings.recordKey("m", key)));
    }

    /** What the view has to tell, each event as member and records in text. */
    private List<String> reported() {
        return view.report().stream().map(event -> {
            MembershipEvent.Records records = (MembershipEvent.Records) event;
            Map<String, String> text = new TreeMap<>();
            records.records().forEach((key, value) -> text.put(key, new String(value, StandardCharsets.UTF_8)));
            return records.member() + " " + text;
        }).toList();
    }

    private static String told(Map<String, String> records) {
        return "m " + new TreeMap<>(records);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
