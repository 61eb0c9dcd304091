package dev.overlayd.noise.message;

import dev.overlayd.noise.Result;

/** Type 1, 148 bytes: sender, ephemeral, encrypted static (48), encrypted timestamp (28), mac1, mac2. */
public final class HandshakeInitiation extends HandshakeMessage {
    public static final int SIZE = 148;
    static final int EPHEMERAL = 8;
    static final int STATIC = 40;
    public static final int STATIC_LENGTH = 48;
    static final int TIMESTAMP = 88;
    public static final int TIMESTAMP_LENGTH = 28;

    private HandshakeInitiation(byte[] bytes) {
        super(bytes);
    }

    public static HandshakeInitiation create(int sender, byte[] ephemeral, byte[] encryptedStatic,
                                             byte[] encryptedTimestamp) {
        byte[] b = blank(MessageType.INITIATION, SIZE);
        Wire.putInt(b, SENDER, sender);
        System.arraycopy(ephemeral, 0, b, EPHEMERAL, 32);
        System.arraycopy(encryptedStatic, 0, b, STATIC, STATIC_LENGTH);
        System.arraycopy(encryptedTimestamp, 0, b, TIMESTAMP, TIMESTAMP_LENGTH);
        return new HandshakeInitiation(b);
    }

    public static Result<HandshakeInitiation> decode(byte[] buf, int off, int len) {
        return MessageType.decode(MessageType.INITIATION, buf, off, len, HandshakeInitiation::new);
    }

    public byte[] ephemeral() {
        return field(EPHEMERAL, 32);
    }

    public byte[] encryptedStatic() {
        return field(STATIC, STATIC_LENGTH);
    }

    public byte[] encryptedTimestamp() {
        return field(TIMESTAMP, TIMESTAMP_LENGTH);
    }
}
