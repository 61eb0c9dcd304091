package dev.overlayd.containers.attach;

/** Every address of the node's container subnet is taken. */
public final class SubnetExhaustedException extends Exception {
    public SubnetExhaustedException(String message) {
        super(message);
    }
}
