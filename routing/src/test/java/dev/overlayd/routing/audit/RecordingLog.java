package dev.overlayd.routing.audit;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** The request log as the edge's and the proxy's tests read it: every record and every upstream failure, in order. */
public final class RecordingLog implements RequestLog {
    public final List<AccessRecord> records = new CopyOnWriteArrayList<>();
    public final List<String> failures = new CopyOnWriteArrayList<>();
    public volatile boolean accepting = true;

    @Override
    public boolean accepting() {
        return accepting;
    }

    @Override
    public void completed(AccessRecord request) {
        records.add(request);
    }

    @Override
    public void upstreamFailed(String service, String reason) {
        failures.add(service + ": " + reason);
    }
}
