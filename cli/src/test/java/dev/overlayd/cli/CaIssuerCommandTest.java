package dev.overlayd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.List;
import java.util.Set;
import dev.overlayd.membership.identity.ClusterCa;
import dev.overlayd.membership.identity.Issuer;
import dev.overlayd.membership.identity.IssuerCertificate;
import dev.overlayd.membership.identity.NodeCertificate;
import dev.overlayd.membership.identity.RevocationList;
import dev.overlayd.membership.identity.SigningKey;
import dev.overlayd.noise.PrivateKey;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** overlayctl ca issuer, and cert show of a certificate an issuer signed. */
class CaIssuerCommandTest {
    @TempDir
    Path temp;

    private StringWriter out = new StringWriter();
    private StringWriter err = new StringWriter();

    private int run(String... args) {
        out = new StringWriter();
        err = new StringWriter();
        CommandLine cli = Overlayctl.commandLine(new Overlayctl());
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        return cli.execute(args);
    }

    private Path ca() {
        Path ca = temp.resolve("ca");
        assertEquals(0, run("ca", "init", "--dir", ca.toString(), "--name", "prod"), err.toString());
        return ca;
    }

    @Test
    void createsAnIssuerAndCertShowNamesIt() throws Exception {
        Path ca = ca();
        assertEquals(0, run("ca", "issuer", "asg-eu", "--range", "10.40.128.0/20", "--days", "30", "--ca", ca.toString()),
                err.toString());
        Path crt = ca.resolve("issuers/asg-eu.crt");
        Path key = ca.resolve("issuers/asg-eu.key");
        IssuerCertificate issuerCert = IssuerCertificate.read(crt);
        assertTrue(out.toString().startsWith("Created issuer asg-eu (range 10.40.128.0/20, valid until "), out.toString());
        assertTrue(out.toString().contains("  " + crt + "  certificate\n"), out.toString());
        assertTrue(out.toString().contains("  " + key + "  key"), out.toString());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));

        PrivateKey nodeKey = PrivateKey.generate(new SecureRandom());
        Issuer issuer = Issuer.load(crt, key, ClusterCa.read(ca.resolve("ca.crt")), temp.resolve("state"),
                Issuer.DEFAULT_GRACE, Clock.systemUTC());
        NodeCertificate web1;
        try (SigningKey signing = SigningKey.derive(nodeKey)) {
            web1 = issuer.issue(new Issuer.Request("web1", nodeKey.publicKey(), signing.verifyingKey(), List.of(),
                    Issuer.DEFAULT_LIFETIME), Set.of());
        }
        Path web1File = temp.resolve("web1.crt");
        web1.writePem(web1File);
        assertEquals(0, run("cert", "show", web1File.toString()), err.toString());
        assertTrue(out.toString().contains("issuer       issuer asg-eu (range 10.40.128.0/20, valid until "
                + issuerCert.notAfter() + ", serial " + issuerCert.serial().toString(16) + ") of cluster prod's CA\n"),
                out.toString());
        assertEquals(0, run("cert", "show", "--json", web1File.toString()), err.toString());
        JsonNode json = new ObjectMapper().readTree(out.toString());
        assertEquals("asg-eu", json.get("issuer").asText());
        assertEquals("10.40.128.0/20", json.get("issuedBy").get("range").asText());

        assertEquals(0, run("cert", "revoke", "asg-eu", "--ca", ca.toString()), err.toString());
        ClusterCa root = ClusterCa.read(ca.resolve("ca.crt"));
        root.acceptRevocations(RevocationList.read(ca.resolve("revoked.crl")));
        assertTrue(root.isRevoked(issuerCert.serial()));
    }

    @Test
    void refusalsAreOneLine() {
        Path ca = ca();
        assertEquals(0, run("ca", "issuer", "asg-eu", "--range", "10.40.128.0/20", "--ca", ca.toString()), err.toString());
        assertEquals(1, run("ca", "issuer", "asg-us", "--range", "10.40.136.0/21", "--ca", ca.toString()));
        assertEquals("overlayctl: range 10.40.136.0/21 overlaps issuer asg-eu's 10.40.128.0/20\n", err.toString());
        assertEquals(1, run("ca", "issuer", "x", "--range", "10.41.0.0/20", "--ca", ca.toString()));
        assertEquals("overlayctl: range 10.41.0.0/20 is outside the overlay 10.40.0.0/16\n", err.toString());
        assertEquals(1, run("ca", "issuer", "x", "--ca", ca.toString()));
        assertTrue(err.toString().startsWith("overlayctl: Missing required option: '--range=CIDR'"), err.toString());
        assertEquals(1, run("ca", "issuer", "x", "--range", "not-a-prefix", "--ca", ca.toString()));
    }
}
