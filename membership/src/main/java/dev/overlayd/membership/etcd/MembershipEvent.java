package dev.overlayd.membership.etcd;

import dev.overlayd.membership.Member;
import dev.overlayd.membership.MembershipListener;
import java.util.Map;

/** One thing to tell the listener, computed under the view's control and delivered later, elsewhere. */
sealed interface MembershipEvent {
    void deliverTo(MembershipListener listener);

    record Present(Member member) implements MembershipEvent {
        @Override
        public void deliverTo(MembershipListener listener) {
            listener.present(member);
        }
    }

    record Absent(Member member, String why) implements MembershipEvent {
        @Override
        public void deliverTo(MembershipListener listener) {
            listener.absent(member, why);
        }
    }

    /** All of a member's records as they are now; the map is not changed after it is made. */
    record Records(String member, Map<String, byte[]> records) implements MembershipEvent {
        @Override
        public void deliverTo(MembershipListener listener) {
            listener.records(member, records);
        }

        @Override
        public String toString() {
            return member + "'s records " + records.keySet();
        }
    }

    record Revoked(byte[] revocationList) implements MembershipEvent {
        @Override
        public void deliverTo(MembershipListener listener) {
            listener.revoked(revocationList.clone());
        }
    }
}
