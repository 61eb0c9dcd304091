package dev.overlayd.membership.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import dev.overlayd.membership.identity.SigningKey;

/**
 * Values read from etcd, which whoever can write to the cluster's prefix chooses: a member record
 * into the cluster view (present when every check passed, else ignored and counted) and a plugin
 * record through its decoders (an IOException that says why, else the value). Nothing else is
 * thrown. The harness starts from a real record of member a, signed with its key, with the
 * fuzzer's bytes XORed onto it: the view shows a only as a's key signed it.
 */
class EtcdRecordFuzzTest {
    private static final EtcdSettings SETTINGS = new EtcdSettings(List.of(URI.create("http://127.0.0.1:2379")), "c",
            EtcdSettings.DEFAULT_TTL, null, null);
    @TempDir
    static Path dir;
    private static TestCa.Node a;
    private static ClusterView view;
    private static long version;

    @BeforeAll
    static void ca() throws Exception {
        TestCa ca = new TestCa(dir.resolve("ca"));
        a = ca.node("a", 1);
        view = new ClusterView(SETTINGS, "self", ca.admission());
    }

    @FuzzTest
    void valuesFromEtcd(FuzzedDataProvider data) {
        int mode = data.consumeInt(0, 2);
        switch (mode) {
            case 0 -> {
                List<MembershipEvent> events = view.put(SETTINGS.memberKey("a"), data.consumeRemainingAsBytes());
                assertTrue(events.isEmpty(), "a member record a's key did not sign was believed: " + events);
            }
            case 1 -> {
                byte[] value;
                try (SigningKey key = a.signingKey()) {
                    value = MemberRecord.signed(a.member(), ++version, key);
                }
                byte[] mask = data.consumeRemainingAsBytes();
                for (int i = 0; i < mask.length && i < value.length; i++) {
                    value[i] ^= mask[i];
                }
                for (MembershipEvent event : view.put(SETTINGS.memberKey("a"), value)) {
                    assertEquals(new MembershipEvent.Present(a.member()), event, "a record that is not a's was believed");
                }
            }
            default -> {
                try {
                    PublishedRecord.Read read = PublishedRecord.read(data.consumeRemainingAsBytes());
                    PublishedRecord.value(PublishedRecord.statement(read.statement()));
                } catch (IOException e) {
                    assertTrue(e.getMessage() != null && !e.getMessage().isBlank(), "a refusal that says nothing");
                }
            }
        }
    }
}
