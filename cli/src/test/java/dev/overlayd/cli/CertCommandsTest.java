package dev.overlayd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import dev.overlayd.membership.identity.CertificateAuthority;
import dev.overlayd.membership.identity.ClusterCa;
import dev.overlayd.membership.identity.KeyFiles;
import dev.overlayd.membership.identity.NodeCertificate;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** overlayctl ca and cert end to end in a temporary directory, and their failures: one line, status 1. */
class CertCommandsTest {
    @TempDir
    Path temp;

    private StringWriter out = new StringWriter();
    private StringWriter err = new StringWriter();

    private int run(String... args) {
        out = new StringWriter();
        err = new StringWriter();
        Overlayctl overlayctl = new Overlayctl();
        overlayctl.controlDirectory = temp.resolve("control");
        CommandLine cli = Overlayctl.commandLine(overlayctl);
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        return cli.execute(args);
    }

    private void assertFails(String expected, String... args) {
        assertEquals(1, run(args), out.toString());
        assertEquals("overlayctl: " + expected + "\n", err.toString());
        assertEquals("", out.toString());
    }

    private Path ca() {
        Path ca = temp.resolve("ca");
        assertEquals(0, run("ca", "init", "--dir", ca.toString(), "--name", "prod"), err.toString());
        return ca;
    }

    @Test
    void initIssueShowRevoke() throws Exception {
        Path ca = temp.resolve("ca");
        assertEquals(0, run("ca", "init", "--dir", ca.toString(), "--name", "prod", "--overlay", "10.50.0.0/16"),
                err.toString());
        assertTrue(out.toString().startsWith("Created the CA of cluster prod (overlay 10.50.0.0/16, valid until "),
                out.toString());
        assertEquals("prod", ClusterCa.read(ca.resolve("ca.crt")).name());

        assertEquals(0, run("cert", "issue", "web1", "--ca", ca.toString(), "--out", temp.toString(), "--group", "web",
                "--group", "eu"), err.toString());
        Path crt = temp.resolve("web1.crt");
        Path key = temp.resolve("web1.key");
        assertTrue(out.toString().startsWith("Issued web1: address 10.50.0.1, subnet 10.50.0.0/24, groups web, eu, valid until "),
                out.toString());
        assertTrue(out.toString().contains(crt + "  certificate\n") && out.toString().contains(key.toString()), out.toString());
        NodeCertificate cert = NodeCertificate.read(crt);
        assertEquals(KeyFiles.readNodeKey(key).publicKey(), cert.publicKey());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));

        assertEquals(0, run("cert", "show", crt.toString()), err.toString());
        List<String> lines = out.toString().lines().toList();
        assertEquals("name         web1", lines.get(0));
        assertEquals("kind         node", lines.get(1));
        assertEquals("public key   " + cert.publicKey().toBase64(), lines.get(2));
        assertEquals("address      10.50.0.1", lines.get(3));
        assertEquals("subnet       10.50.0.0/24", lines.get(4));
        assertEquals("groups       web, eu", lines.get(6));
        assertTrue(lines.get(8).matches("valid until  \\S+Z \\(expires in 364d23h\\)"), lines.get(8));
        assertEquals("serial       " + cert.serial().toString(16), lines.get(9));
        assertEquals("fingerprint  SHA256 " + cert.fingerprint(), lines.get(10));
        assertEquals("issuer       cluster prod's CA", lines.get(11));

        assertEquals(0, run("cert", "show", crt.toString(), "--json"), err.toString());
        JsonNode json = new ObjectMapper().readTree(out.toString());
        assertEquals("web1", json.get("name").asText());
        assertEquals("10.50.0.0/24", json.get("allowedIps").get(0).asText());
        assertEquals(cert.notAfter().toString(), json.get("notAfter").asText());
        assertFalse(json.get("expired").asBoolean());
        assertFalse(json.has("endpoint"));

        assertEquals(0, run("cert", "revoke", "web1", "--ca", ca.toString()), err.toString());
        assertEquals("Revoked web1; the revocation list is " + ca.resolve("revoked.crl") + ".\n"
                + "Nodes keep trusting the certificate until it reaches them: run overlayctl revoke "
                + ca.resolve("revoked.crl") + " on any node.\n", out.toString());
        assertTrue(CertificateAuthority.load(ca).publicCa().isRevoked(cert.serial()));
    }

    @Test
    void aStaticHostShowsItsEndpoint() throws Exception {
        Path ca = ca();
        assertEquals(0, run("cert", "issue", "db1", "--ca", ca.toString(), "--out", temp.toString(),
                "--static-host", "192.0.2.10:51820"), err.toString());
        assertTrue(out.toString().startsWith("Issued db1: address 10.40.255.1, subnet 10.40.255.1/32, endpoint 192.0.2.10:51820, valid until "),
                out.toString());

        assertEquals(0, run("cert", "show", temp.resolve("db1.crt").toString()), err.toString());
        assertTrue(out.toString().contains("\nkind         static-host\n"), out.toString());
        assertTrue(out.toString().contains("\nendpoint     192.0.2.10:51820\n"), out.toString());
    }

    @Test
    void aHostIsNotCertifiedWhereNoNodeRunsToPublishIt() throws Exception {
        Path ca = ca();
        assertFails("no overlayd interface is running (nothing in " + temp.resolve("control") + ")",
                "host", "add", "db1", "--ca", ca.toString(), "--out", temp.toString(), "--endpoint", "192.0.2.10:51820");
        assertFalse(Files.exists(temp.resolve("db1.key")));
        assertFalse(Files.exists(ca.resolve("issued").resolve("db1.crt")));
    }

    @Test
    void aMissingCa() {
        Path none = temp.resolve("none");
        assertFails("no CA in " + none + " (no ca.crt): create one with overlayctl ca init",
                "cert", "issue", "web1", "--ca", none.toString(), "--out", temp.toString());
        assertFalse(Files.exists(temp.resolve("web1.key")));
    }

    @Test
    void aCaKeyOthersCanRead() throws Exception {
        Path ca = ca();
        Path key = ca.resolve("ca.key");
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r--r--"));

        assertFails(key + " is open to other users (mode 0644): run chmod 600 " + key,
                "cert", "revoke", "web1", "--ca", ca.toString());
    }

    @Test
    void aNameIsCheckedBeforeItBecomesAFileName() throws Exception {
        Path ca = ca();
        Path out = Files.createDirectory(temp.resolve("out"));
        // Someone else's file where "../victim" would put the key.
        Path victim = Files.writeString(temp.resolve("victim.key"), "theirs");
        String refusal = "not a valid name: '../victim' (up to 63 letters, digits, '.', '-' and '_', starting with a "
                + "letter or digit)";

        assertFails(refusal, "cert", "issue", "../victim", "--ca", ca.toString(), "--out", out.toString());
        assertFails(refusal, "host", "add", "../victim", "--ca", ca.toString(), "--out", out.toString(),
                "--endpoint", "192.0.2.10:51820");

        assertEquals("theirs", Files.readString(victim));
        try (var files = Files.list(out)) {
            assertEquals(0, files.count());
        }
    }

    @Test
    void aBadCidr() {
        assertFails("Invalid value for option '--overlay': not an IP address: 10.40.0/16 (see: overlayctl ca init --help)",
                "ca", "init", "--dir", temp.toString(), "--overlay", "10.40.0/16");
    }

    @Test
    void aSecondCaInTheSameDirectory() {
        Path ca = ca();
        assertFails(ca + " already holds a CA: remove it first to start a new cluster", "ca", "init", "--dir", ca.toString());
    }

    @Test
    void aDuplicateNameLeavesNoKeyBehind() throws Exception {
        Path ca = ca();
        Path first = Files.createDirectory(temp.resolve("first"));
        Path second = Files.createDirectory(temp.resolve("second"));
        assertEquals(0, run("cert", "issue", "web1", "--ca", ca.toString(), "--out", first.toString()), err.toString());
        String serial = NodeCertificate.read(first.resolve("web1.crt")).serial().toString(16);

        assertEquals(1, run("cert", "issue", "web1", "--ca", ca.toString(), "--out", second.toString()));
        assertTrue(err.toString().startsWith("overlayctl: web1 already has a certificate (serial " + serial + ", valid until "),
                err.toString());
        assertTrue(err.toString().endsWith("): revoke it first\n"), err.toString());
        assertEquals(List.of(), Files.list(second).toList());
    }

    @Test
    void anOverlappingSubnet() {
        Path ca = ca();
        assertEquals(0, run("cert", "issue", "web1", "--ca", ca.toString(), "--out", temp.toString()), err.toString());

        assertFails("10.40.0.0/23 overlaps web1's 10.40.0.0/24", "cert", "issue", "web2", "--ca", ca.toString(),
                "--out", temp.toString(), "--address", "10.40.1.1", "--subnet", "10.40.0.0/23");
    }

    @Test
    void anExistingKeyIsNeverReplaced() throws Exception {
        Path ca = ca();
        Files.writeString(temp.resolve("web1.key"), "mine\n");

        assertFails(temp.resolve("web1.key") + " already exists: remove it first if it is to be replaced",
                "cert", "issue", "web1", "--ca", ca.toString(), "--out", temp.toString());
        assertEquals("mine\n", Files.readString(temp.resolve("web1.key")));
    }

    @Test
    void showSomethingThatIsNotACertificate() throws Exception {
        Path ca = ca();
        assertFails(ca.resolve("ca.key") + ": holds a PRIVATE KEY, not a CERTIFICATE", "cert", "show", ca.resolve("ca.key").toString());
        assertFails(ca.resolve("ca.crt") + ": not a node certificate: its key is not an X25519 (WireGuard) key",
                "cert", "show", ca.resolve("ca.crt").toString());
        Path text = Files.writeString(temp.resolve("notes.txt"), "hello\n");
        assertFails(text + ": not PEM (no -----BEGIN CERTIFICATE----- block)", "cert", "show", text.toString());
    }

    @Test
    void aCommandGroupAsksForItsSubcommand() {
        assertFails("Missing required subcommand (see: overlayctl cert --help)", "cert");
    }
}
