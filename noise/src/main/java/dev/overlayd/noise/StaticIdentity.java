package dev.overlayd.noise;

import java.security.SecureRandom;

/** This device's static key pair. Replaced whole when the private key changes. */
public record StaticIdentity(PrivateKey privateKey, PublicKey publicKey) {

    public static StaticIdentity of(PrivateKey privateKey) {
        return new StaticIdentity(privateKey, privateKey.publicKey());
    }

    public static StaticIdentity generate(SecureRandom random) {
        return of(PrivateKey.generate(random));
    }
}
