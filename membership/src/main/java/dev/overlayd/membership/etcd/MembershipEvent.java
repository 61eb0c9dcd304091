package dev.overlayd.membership.etcd;

import dev.overlayd.membership.Member;
import dev.overlayd.membership.MembershipListener;

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

    record Revoked(byte[] revocationList) implements MembershipEvent {
        @Override
        public void deliverTo(MembershipListener listener) {
            listener.revoked(revocationList.clone());
        }
    }
}
