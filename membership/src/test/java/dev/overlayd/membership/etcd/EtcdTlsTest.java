package dev.overlayd.membership.etcd;

import dev.overlayd.testing.EtcdPki;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.overlayd.membership.Member;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * EtcdMembership against a real etcd that serves TLS only and demands a client certificate from its
 * own CA ({@code --client-cert-auth}), as a production etcd is run: the right certificate works,
 * another CA's or plaintext is refused in words an operator can act on, and etcd's user
 * authentication works on top.
 */
class EtcdTlsTest {
    private static final Duration TTL = Duration.ofSeconds(10);

    @TempDir
    Path temp;

    private final List<AutoCloseable> toClose = new ArrayList<>();
    private EtcdServer etcd;
    private TestCa ca;

    @BeforeEach
    void startEtcd() throws Exception {
        ca = new TestCa(temp.resolve("ca"));
        etcd = EtcdServer.startTls();
    }

    @AfterEach
    void stopAll() throws Exception {
        for (AutoCloseable closeable : toClose.reversed()) {
            closeable.close();
        }
        etcd.close();
    }

    @Test
    void nodesWithAClientCertificateFromEtcdsCaSeeEachOther() throws Exception {
        EtcdTls tls = tls(etcd.pki().client("node"));
        Node a = join("a", settings(tls, null));
        Node b = join("b", settings(tls, null));
        a.told().awaitPresent(b.self());
        b.told().awaitPresent(a.self());
        assertEquals(Set.of("a", "b"), a.members());
    }

    @Test
    void aClientCertificateOfAnotherCaIsRefusedClearly() throws Exception {
        EtcdTls foreign = tls(new EtcdPki(temp.resolve("other"), "other-ca").client("node"));
        IOException refused = assertThrows(IOException.class, () -> join("a", settings(foreign, null)));
        assertTrue(refused.getMessage().startsWith("etcd at [" + etcd.url() + "]: cannot join cluster test: etcd: "
                + "granting a lease: TLS with etcd failed: "), refused.getMessage());
        assertTrue(refused.getMessage().endsWith("this node's client certificate by a CA etcd trusts"), refused.getMessage());
    }

    @Test
    void plaintextToATlsEtcdFailsClearly() {
        URI http = URI.create("http://127.0.0.1:" + etcd.url().getPort());
        IOException refused = assertThrows(IOException.class,
                () -> join("a", new EtcdSettings(List.of(http), "test", TTL, null, null)));
        assertTrue(refused.getMessage().endsWith("(this node speaks plaintext to etcd: if etcd serves TLS only, it "
                + "closes such connections)"), refused.getMessage());
    }

    @Test
    void etcdsUserAuthenticationWorksOnTopAndAWrongPasswordIsRefused() throws Exception {
        EtcdPki.Issued root = etcd.pki().client("root");
        etcdctl(root, "user", "add", "root:root-password", "--interactive=false");
        etcdctl(root, "user", "add", "overlayd:node-password", "--interactive=false");
        etcdctl(root, "role", "add", "overlayd");
        etcdctl(root, "role", "grant-permission", "overlayd", "--prefix=true", "readwrite", "/overlayd/test/");
        etcdctl(root, "user", "grant-role", "overlayd", "overlayd");
        etcdctl(root, "auth", "enable");
        // A certificate whose name is no etcd user: the password is what lets the nodes in.
        EtcdTls tls = tls(etcd.pki().client("no-such-user"));

        Node a = join("a", settings(tls, user("overlayd", "node-password\n")));
        Node b = join("b", settings(tls, user("overlayd", "node-password\n")));
        a.told().awaitPresent(b.self());
        b.told().awaitPresent(a.self());

        IOException refused = assertThrows(IOException.class,
                () -> join("c", settings(tls, user("overlayd", "guessed\n"))));
        assertTrue(refused.getMessage().contains("authentication failed"), refused.getMessage());
        assertTrue(!refused.getMessage().contains("guessed"), "the password appears in no message");
    }

    private record Node(Member self, EtcdMembership membership, Recorder told) {
        Set<String> members() {
            return membership.members().stream().map(Member::name).collect(Collectors.toSet());
        }
    }

    private EtcdSettings settings(EtcdTls tls, EtcdUser user) {
        return new EtcdSettings(List.of(etcd.url()), "test", TTL, tls, user);
    }

    private EtcdTls tls(EtcdPki.Issued client) throws IOException {
        return EtcdTls.read(etcd.pki().ca(), client.certificate(), client.key());
    }

    private EtcdUser user(String name, String password) throws IOException {
        Path file = Files.writeString(temp.resolve(name + "-" + password.strip() + ".password"), password);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return EtcdUser.read(name, file);
    }

    /** Administers etcd as its operator would, with etcd's own client and the root user's certificate. */
    private void etcdctl(EtcdPki.Issued as, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("etcdctl", "--endpoints=" + etcd.url(),
                "--cacert=" + etcd.pki().ca(), "--cert=" + as.certificate(), "--key=" + as.key()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("ETCDCTL_API", "3");
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes());
        assertEquals(0, process.waitFor(), String.join(" ", command) + ":\n" + output);
    }

    private Node join(String name, EtcdSettings settings) throws Exception {
        TestCa.Node node = ca.node(name, 51820);
        EtcdMembership membership = new EtcdMembership(settings, node.signingKey(), ca.admission(), Clock.systemUTC());
        toClose.add(membership);
        Recorder told = new Recorder();
        membership.start(node.member(), told);
        return new Node(node.member(), membership, told);
    }
}
