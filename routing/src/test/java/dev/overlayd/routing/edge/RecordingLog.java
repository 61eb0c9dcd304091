package dev.overlayd.routing.edge;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import dev.overlayd.routing.audit.AccessRecord;
import dev.overlayd.routing.audit.RequestLog;

/** The audit log as the tests read it: every record kept. */
final class RecordingLog implements RequestLog {
    final List<AccessRecord> records = new CopyOnWriteArrayList<>();

    @Override
    public boolean accepting() {
        return true;
    }

    @Override
    public void completed(AccessRecord request) {
        records.add(request);
    }

    @Override
    public void upstreamFailed(String service, String reason) {}
}
