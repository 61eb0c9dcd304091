package dev.overlayd.membership.etcd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.overlayd.membership.Membership;
import dev.overlayd.membership.identity.SigningKey;
import dev.overlayd.membership.identity.VerifyingKey;
import dev.overlayd.noise.PrivateKey;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class PublishedRecordTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** A service instance as the registration publishes one, about 250 bytes. */
    static final byte[] INSTANCE = ("{\"service\":\"web\",\"id\":\"3f2a9c1b7d4e:8080/tcp\",\"address\":\"100.64.12.34\","
            + "\"port\":8080,\"protocol\":\"tcp\",\"node\":\"node-0042\",\"tags\":[\"blue\",\"v2\",\"canary\"],"
            + "\"health\":\"passing\",\"since\":1796183040123,\"image\":\"registry.example/web:2.14.1\"}")
            .getBytes(StandardCharsets.UTF_8);

    @Test
    void aRecordHoldsWhatTheNodeSignedAndVerifiesInItsOwnDomainOnly() throws IOException {
        try (SigningKey key = SigningKey.derive(PrivateKey.generate(new SecureRandom()))) {
            byte[] stored = PublishedRecord.signed("n1", "discovery/3f2a9c1b7d4e:8080/tcp", 17, INSTANCE, key);

            JsonNode json = JSON.readTree(stored);
            assertEquals(1, json.get("v").asInt());
            PublishedRecord.Read read = PublishedRecord.read(stored);
            assertTrue(key.verifyingKey().verifies(PublishedRecord.DOMAIN, read.statement(), read.signature()));
            assertFalse(key.verifyingKey().verifies(MemberRecord.DOMAIN, read.statement(), read.signature()),
                    "a record's signature is no member record's");
            PublishedRecord.Statement statement = PublishedRecord.statement(read.statement());
            assertEquals(new PublishedRecord.Statement("n1", "discovery/3f2a9c1b7d4e:8080/tcp", 17,
                    Base64.getEncoder().encodeToString(INSTANCE)), statement);
            assertArrayEquals(INSTANCE, PublishedRecord.value(statement));
        }
    }

    @Test
    void theLargestRecordFitsWhatANodeReadsAndALargerValueIsRefused() throws IOException {
        try (SigningKey key = SigningKey.derive(PrivateKey.generate(new SecureRandom()))) {
            byte[] value = new byte[Membership.MAX_RECORD_VALUE];
            Arrays.fill(value, (byte) '"');
            byte[] stored = PublishedRecord.signed("a-member-name-of-sixty-four-characters-which-is-long-enough-now",
                    "k".repeat(Membership.MAX_RECORD_KEY), Long.MAX_VALUE, value, key);
            assertTrue(stored.length <= PublishedRecord.MAX_STORED, stored.length + " bytes");
            assertArrayEquals(value, PublishedRecord.value(PublishedRecord.statement(PublishedRecord.read(stored).statement())));

            byte[] tooLarge = PublishedRecord.signed("n1", "k", 1, new byte[Membership.MAX_RECORD_VALUE + 1], key);
            IOException refused = assertThrows(IOException.class,
                    () -> PublishedRecord.value(PublishedRecord.statement(PublishedRecord.read(tooLarge).statement())));
            assertEquals("value of 1025 bytes, more than 1024", refused.getMessage());
        }
    }

    @Test
    void junkAndRecordsWithoutAValueOrSignatureAreRefused() throws IOException {
        assertThrows(IOException.class, () -> PublishedRecord.read("not json".getBytes(StandardCharsets.UTF_8)));
        assertThrows(IOException.class, () -> PublishedRecord.read("{\"v\":2}".getBytes(StandardCharsets.UTF_8)));
        assertThrows(IOException.class, () -> PublishedRecord.read("{\"v\":1,\"record\":\"{}\"}".getBytes(StandardCharsets.UTF_8)));
        assertThrows(IOException.class, () -> PublishedRecord.read(new byte[PublishedRecord.MAX_STORED + 1]));
        PublishedRecord.Statement valueless = PublishedRecord.statement("{\"member\":\"n1\",\"key\":\"k\",\"version\":1}"
                .getBytes(StandardCharsets.UTF_8));
        assertEquals("signed record has no value",
                assertThrows(IOException.class, () -> PublishedRecord.value(valueless)).getMessage());
    }

    /**
     * Not a check: the CPU a change costs, for issue 13's estimate. One change is signed once by its
     * node and verified once by every other node.
     */
    @Test
    void whatSigningAndVerifyingARecordCosts() throws IOException {
        try (SigningKey key = SigningKey.derive(PrivateKey.generate(new SecureRandom()))) {
            VerifyingKey verifying = key.verifyingKey();
            // CPU time, not wall time: the machine is shared, and what the estimate needs is the CPU.
            ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
            int rounds = 3000;
            byte[][] stored = new byte[rounds][];
            PublishedRecord.Read[] read = new PublishedRecord.Read[rounds];
            for (int warm = 0; warm < 2; warm++) {
                long start = cpu.getCurrentThreadCpuTime();
                for (int i = 0; i < rounds; i++) {
                    stored[i] = PublishedRecord.signed("node-0042", "discovery/3f2a9c1b7d4e:" + i + "/tcp", i + 1, INSTANCE, key);
                }
                long signed = cpu.getCurrentThreadCpuTime();
                for (int i = 0; i < rounds; i++) {
                    read[i] = PublishedRecord.read(stored[i]);
                    PublishedRecord.value(PublishedRecord.statement(read[i].statement()));
                }
                long parsed = cpu.getCurrentThreadCpuTime();
                int verified = 0;
                for (int i = 0; i < rounds; i++) {
                    if (verifying.verifies(PublishedRecord.DOMAIN, read[i].statement(), read[i].signature())) {
                        verified++;
                    }
                }
                long done = cpu.getCurrentThreadCpuTime();
                assertEquals(rounds, verified);
                System.out.printf("record of %d B (%d B stored): CPU to sign and encode %.1f us, parse %.1f us, verify %.1f us%s%n",
                        INSTANCE.length, stored[0].length, (signed - start) / 1e3 / rounds, (parsed - signed) / 1e3 / rounds,
                        (done - parsed) / 1e3 / rounds, warm == 0 ? " (cold)" : "");
            }
        }
    }
}
