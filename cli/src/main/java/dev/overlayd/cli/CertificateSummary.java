package dev.overlayd.cli;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import dev.overlayd.node.control.Durations;
import dev.overlayd.membership.identity.NodeCertificate;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.google.common.net.InetAddresses;

/**
 * `overlayctl cert show`: a node certificate's fields as text, the same for people (aligned lines)
 * and scripts (JSON, one field per component). Times are ISO-8601 UTC.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
record CertificateSummary(String name, String kind, String publicKey, String address, String subnet,
                          List<String> allowedIps, List<String> groups, String endpoint, String notBefore,
                          String notAfter, boolean expired, String serial, String fingerprint, String issuer,
                          ChainIssuer issuedBy) {

    /** The issuer certificate a chained certificate carries; absent when the cluster's CA signed it itself. */
    record ChainIssuer(String name, String range, String cluster, String notAfter, String serial) {}

    static CertificateSummary of(NodeCertificate cert, Instant now) {
        return new CertificateSummary(cert.name(), cert.kind().name().toLowerCase(Locale.ROOT).replace('_', '-'),
                cert.publicKey().toBase64(), InetAddresses.toAddrString(cert.address()), cert.subnet().toString(),
                cert.allowedIps().stream().map(Object::toString).toList(), cert.groups(), cert.endpoint().orElse(null),
                cert.notBefore().toString(), cert.notAfter().toString(), now.isAfter(cert.notAfter()),
                cert.serial().toString(16), cert.fingerprint(), cert.issuer(),
                cert.issuerCertificate().map(i -> new ChainIssuer(i.name(), i.range().toString(), i.cluster(),
                        i.notAfter().toString(), i.serial().toString(16))).orElse(null));
    }

    String text(Instant now) {
        StringBuilder out = new StringBuilder();
        line(out, "name", name);
        line(out, "kind", kind);
        line(out, "public key", publicKey);
        line(out, "address", address);
        line(out, "subnet", subnet);
        line(out, "allowed IPs", String.join(", ", allowedIps));
        line(out, "groups", groups.isEmpty() ? "(none)" : String.join(", ", groups));
        if (endpoint != null) {
            line(out, "endpoint", endpoint);
        }
        Instant from = Instant.parse(notBefore);
        line(out, "valid from", notBefore + (now.isBefore(from) ? " (NOT YET VALID)" : ""));
        line(out, "valid until", notAfter + (expired ? " (EXPIRED)"
                : " (expires in " + Durations.coarse(Duration.between(now, Instant.parse(notAfter)).toSeconds()) + ")"));
        line(out, "serial", serial);
        line(out, "fingerprint", "SHA256 " + fingerprint);
        line(out, "issuer", issuedBy == null ? "cluster " + issuer + "'s CA"
                : "issuer " + issuedBy.name() + " (range " + issuedBy.range() + ", valid until " + issuedBy.notAfter()
                        + ", serial " + issuedBy.serial() + ") of cluster " + issuedBy.cluster() + "'s CA");
        return out.toString();
    }

    private static void line(StringBuilder out, String label, String value) {
        out.append(String.format("%-12s %s%n", label, value));
    }
}
