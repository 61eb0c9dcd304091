package dev.overlayd.routing.proxy;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import dev.overlayd.routing.audit.AccessRecord;
import dev.overlayd.routing.audit.RequestLog;

/** The request log as a test reads it: every record and every upstream failure, in order. */
final class RecordingLog implements RequestLog {
    final List<AccessRecord> records = new CopyOnWriteArrayList<>();
    final List<String> failures = new CopyOnWriteArrayList<>();
    volatile boolean accepting = true;

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
