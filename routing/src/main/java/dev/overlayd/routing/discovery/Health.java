package dev.overlayd.routing.discovery;

/**
 * An instance's health, from Docker's own health check: a container without one is passing while it
 * runs. Only passing instances are answered in DNS or routed to; the others stay listed.
 */
public enum Health {
    PASSING, STARTING, UNHEALTHY;

    public boolean answered() {
        return this == PASSING;
    }
}
