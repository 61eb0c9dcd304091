package dev.overlayd.membership;

import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.Objects;

/**
 * One node as a backend reports it: its name (the key it is filed under), its certificate (DER, as
 * the CA signed it) and the UDP endpoint its WireGuard traffic comes from. Backends carry members as they are; whether a certificate is
 * valid (this cluster's CA, not expired, not revoked) is decided where peers are configured, the
 * same way for every backend.
 */
public record Member(String name, byte[] certificate, InetSocketAddress endpoint) {
    public Member {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(certificate, "certificate");
        certificate = certificate.clone();
    }

    @Override
    public byte[] certificate() {
        return certificate.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Member m && name.equals(m.name) && Arrays.equals(certificate, m.certificate)
                && Objects.equals(endpoint, m.endpoint);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, Arrays.hashCode(certificate), endpoint);
    }

    @Override
    public String toString() {
        return "Member[" + name + " at " + endpoint + ", certificate " + certificate.length + " bytes]";
    }
}
