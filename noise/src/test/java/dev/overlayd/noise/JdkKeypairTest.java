package dev.overlayd.noise;

/** {@link KeypairTest} on the JDK's cipher, the fallback. */
class JdkKeypairTest extends KeypairTest {
    @Override
    String implementation() {
        return TransportCipher.JDK;
    }
}
