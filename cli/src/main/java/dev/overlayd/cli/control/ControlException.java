package dev.overlayd.cli.control;

/** A failure to talk to the daemon, said in one line an operator can act on. */
public final class ControlException extends Exception {
    public ControlException(String message) {
        super(message);
    }
}
