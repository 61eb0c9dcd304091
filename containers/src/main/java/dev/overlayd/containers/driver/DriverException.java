package dev.overlayd.containers.driver;

/** A driver call refused or failed; its message goes back to dockerd as the reply's "Err". */
final class DriverException extends Exception {
    DriverException(String message) {
        super(message);
    }

    DriverException(String message, Throwable cause) {
        super(message, cause);
    }
}
