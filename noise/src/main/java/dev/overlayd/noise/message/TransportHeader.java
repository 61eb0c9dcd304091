package dev.overlayd.noise.message;

/**
 * Type 4: receiver index, 64-bit counter, then ciphertext and tag. Accessors work on the caller's
 * buffer so that the data path never allocates.
 */
public final class TransportHeader {
    public static final int LENGTH = 16;
    static final int RECEIVER = 4;
    static final int COUNTER = 8;

    private TransportHeader() {}

    public static int receiver(byte[] buf, int off) {
        return Wire.getInt(buf, off + RECEIVER);
    }

    public static long counter(byte[] buf, int off) {
        return Wire.getLong(buf, off + COUNTER);
    }

    public static void write(byte[] buf, int off, int receiver, long counter) {
        Wire.putInt(buf, off, MessageType.TRANSPORT);
        Wire.putInt(buf, off + RECEIVER, receiver);
        Wire.putLong(buf, off + COUNTER, counter);
    }
}
