package dev.overlayd.peers.uapi;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A device that answers get with a fixed snapshot and records every set it is asked to apply. */
final class FakeUapiDevice implements UapiDevice {
    private volatile DeviceSnapshot snapshot;
    private volatile UapiException failure;
    private volatile RuntimeException bug;
    final BlockingQueue<SetRequest> applied = new LinkedBlockingQueue<>();

    FakeUapiDevice(DeviceSnapshot snapshot) {
        this.snapshot = snapshot;
    }

    void failWith(UapiException e) {
        failure = e;
    }

    void breakWith(RuntimeException e) {
        bug = e;
    }

    @Override
    public DeviceSnapshot snapshot() {
        if (bug != null) {
            throw bug;
        }
        return snapshot;
    }

    @Override
    public void apply(SetRequest request) throws UapiException {
        if (bug != null) {
            throw bug;
        }
        if (failure != null) {
            throw failure;
        }
        applied.add(request);
    }

    /** The one request applied since the last call, waiting a little for a server thread. */
    SetRequest takeApplied() throws InterruptedException {
        SetRequest request = applied.poll(10, TimeUnit.SECONDS);
        if (request == null) {
            throw new AssertionError("no set request was applied");
        }
        return request;
    }
}
