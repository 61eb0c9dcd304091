package dev.overlayd.noise;

import java.util.function.Consumer;

/**
 * A peer's three session slots. The initiator uses a new keypair at once; the responder parks its
 * new keypair in {@code next} and may send under it only after the initiator has used it, which
 * confirms the handshake. Keypairs leaving the slots go to the caller's {@code retire}, which
 * removes their index and wipes them.
 */
public final class Keypairs {
    private Keypair previous;
    private Keypair current;
    private Keypair next;

    public synchronized Keypair current() {
        return current;
    }

    public synchronized Keypair previous() {
        return previous;
    }

    public synchronized Keypair next() {
        return next;
    }

    public synchronized void install(Keypair keypair, Consumer<Keypair> retire) {
        if (keypair.isInitiator()) {
            retireIfPresent(previous, retire);
            if (next != null) {
                // An unconfirmed responder session outranks the current one as the fallback.
                previous = next;
                next = null;
                retireIfPresent(current, retire);
            } else {
                previous = current;
            }
            current = keypair;
        } else {
            retireIfPresent(next, retire);
            retireIfPresent(previous, retire);
            previous = null;
            next = keypair;
        }
    }

    /**
     * Called after a data message authenticated under {@code keypair}; promotes it from next to
     * current. Returns whether it did (the handshake was confirmed just now).
     */
    public synchronized boolean receivedWith(Keypair keypair, Consumer<Keypair> retire) {
        if (keypair == null || keypair != next) {
            return false;
        }
        retireIfPresent(previous, retire);
        previous = current;
        current = next;
        next = null;
        return true;
    }

    public synchronized void clear(Consumer<Keypair> retire) {
        retireIfPresent(previous, retire);
        retireIfPresent(current, retire);
        retireIfPresent(next, retire);
        previous = current = next = null;
    }

    private static void retireIfPresent(Keypair keypair, Consumer<Keypair> retire) {
        if (keypair != null) {
            retire.accept(keypair);
        }
    }
}
