package dev.overlayd.noise;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import dev.overlayd.noise.message.MessageType;
import dev.overlayd.noise.message.TransportHeader;

/**
 * One session's transport keys: seals and opens type-4 data messages in the caller's buffer. The
 * hot path: no allocation here, time passed in, failures as negative {@link Rejection#code()}s.
 */
public final class Keypair {
    /** Bytes a data message adds to its padded plaintext: the 16-byte header and the 16-byte tag. */
    public static final int OVERHEAD = TransportHeader.LENGTH + TransportCipher.TAG_LENGTH;

    private final TransportKey sendKey;
    private final TransportKey receiveKey;
    private final boolean initiator;
    private final int localIndex;
    private final int remoteIndex;
    private final long created;
    private final AtomicLong sendCounter = new AtomicLong();
    private final ReplayWindow replay = new ReplayWindow();

    Keypair(TransportKey sendKey, TransportKey receiveKey, boolean initiator, int localIndex, int remoteIndex,
            long created) {
        this.sendKey = sendKey;
        this.receiveKey = receiveKey;
        this.initiator = initiator;
        this.localIndex = localIndex;
        this.remoteIndex = remoteIndex;
        this.created = created;
    }

    public boolean isInitiator() {
        return initiator;
    }

    /** The index the peer puts in the messages it sends us under this keypair. */
    public int localIndex() {
        return localIndex;
    }

    /** The index we put in the messages we send under this keypair. */
    public int remoteIndex() {
        return remoteIndex;
    }

    /** Monotonic time of creation, from the handshake's clock. */
    public long created() {
        return created;
    }

    /** The counter the next sealed message will carry (unsigned). */
    public long sendCounter() {
        return sendCounter.get();
    }

    /**
     * Seals the plaintext at buf[off+16, off+16+len) into a data message starting at off: pads it
     * with zeros to a multiple of 16 (never past {@code mtu}), encrypts in place and writes the
     * header. buf needs room for the padding and the tag. Returns the message length.
     */
    public int seal(TransportCipher cipher, byte[] buf, int off, int len, int mtu, long now) {
        if (now - created >= Protocol.REJECT_AFTER_TIME) {
            return Rejection.KEYPAIR_EXPIRED.code();
        }
        long counter = sendCounter.getAndIncrement();
        if (Long.compareUnsigned(counter, Protocol.REJECT_AFTER_MESSAGES) >= 0) {
            sendCounter.set(Protocol.REJECT_AFTER_MESSAGES);
            return Rejection.COUNTER_EXHAUSTED.code();
        }
        int padded = paddedLength(len, mtu);
        int body = off + TransportHeader.LENGTH;
        Arrays.fill(buf, body + len, body + padded, (byte) 0);
        TransportHeader.write(buf, off, remoteIndex, counter);
        int sealed = cipher.seal(sendKey, counter, buf, body, padded);
        return sealed < 0 ? Rejection.KEYPAIR_EXPIRED.code() : TransportHeader.LENGTH + sealed;
    }

    /**
     * Opens the data message buf[off, off+len) in place: the plaintext (padding included) lands at
     * off+16. Authenticates before the replay check, so forgeries cannot move the window. Returns
     * the plaintext length; zero is a keepalive.
     */
    public int open(TransportCipher cipher, byte[] buf, int off, int len, long now) {
        if (len < MessageType.MIN_LENGTH) {
            return Rejection.TOO_SHORT.code();
        }
        long counter = TransportHeader.counter(buf, off);
        if (Long.compareUnsigned(counter, Protocol.REJECT_AFTER_MESSAGES) >= 0) {
            return Rejection.COUNTER_EXHAUSTED.code();
        }
        if (now - created >= Protocol.REJECT_AFTER_TIME) {
            return Rejection.KEYPAIR_EXPIRED.code();
        }
        int plaintext = cipher.open(receiveKey, counter, buf, off + TransportHeader.LENGTH,
                len - TransportHeader.LENGTH);
        if (plaintext == TransportCipher.WIPED) {
            return Rejection.KEYPAIR_EXPIRED.code();
        }
        if (plaintext < 0) {
            return Rejection.AUTHENTICATION_FAILED.code();
        }
        synchronized (replay) {
            if (!replay.accept(counter, Protocol.REJECT_AFTER_MESSAGES)) {
                return Rejection.REPLAYED_COUNTER.code();
            }
        }
        return plaintext;
    }

    /**
     * The plaintext length after padding: up to the next multiple of 16, but never past the MTU
     * (a plaintext longer than the MTU is padded by the rule applied to its remainder).
     */
    static int paddedLength(int len, int mtu) {
        int lastUnit = mtu > 0 && len > mtu ? len % mtu : len;
        int padded = (lastUnit + Protocol.PADDING_MULTIPLE - 1) & -Protocol.PADDING_MULTIPLE;
        if (mtu > 0 && padded > mtu) {
            padded = mtu;
        }
        return len + padded - lastUnit;
    }

    /** Wipes both keys; later seals and opens of this keypair answer {@link Rejection#KEYPAIR_EXPIRED}. */
    public void wipe() {
        sendKey.destroy();
        receiveKey.destroy();
    }

    boolean isWiped() {
        return sendKey.isDestroyed() && receiveKey.isDestroyed();
    }
}
