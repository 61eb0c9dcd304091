package dev.overlayd.membership.identity;

import java.io.IOException;
import org.bouncycastle.cert.X509CertificateHolder;

/** DER to one of this package's certificate types, with errors that say which was expected. */
final class CertificateHolders {
    private CertificateHolders() {}

    interface Builder<T> {
        T build(X509CertificateHolder holder, byte[] der) throws IdentityException;
    }

    static <T> T parse(byte[] der, String what, Builder<T> builder) throws IdentityException {
        X509CertificateHolder holder;
        try {
            holder = new X509CertificateHolder(der);
        } catch (IOException | RuntimeException e) {
            throw new IdentityException("not an X.509 certificate");
        }
        try {
            return builder.build(holder, der.clone());
        } catch (IdentityException e) {
            throw new IdentityException("not a " + what + ": " + e.getMessage());
        }
    }
}
