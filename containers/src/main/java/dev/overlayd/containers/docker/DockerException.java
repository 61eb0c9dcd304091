package dev.overlayd.containers.docker;

import java.io.IOException;

/** dockerd answered, and refused: its HTTP status and its own message. */
public final class DockerException extends IOException {
    private final int status;

    public DockerException(int status, String message) {
        super(message);
        this.status = status;
    }

    public int status() {
        return status;
    }

    public boolean notFound() {
        return status == 404;
    }
}
