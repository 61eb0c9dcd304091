package dev.overlayd.noise.message;

import dev.overlayd.noise.Result;

/** Type 2, 92 bytes: sender, receiver, ephemeral, encrypted empty payload (16), mac1, mac2. */
public final class HandshakeResponse extends HandshakeMessage {
    public static final int SIZE = 92;
    static final int RECEIVER = 8;
    static final int EPHEMERAL = 12;
    static final int EMPTY = 44;
    public static final int EMPTY_LENGTH = 16;

    private HandshakeResponse(byte[] bytes) {
        super(bytes);
    }

    public static HandshakeResponse create(int sender, int receiver, byte[] ephemeral, byte[] encryptedEmpty) {
        byte[] b = blank(MessageType.RESPONSE, SIZE);
        Wire.putInt(b, SENDER, sender);
        Wire.putInt(b, RECEIVER, receiver);
        System.arraycopy(ephemeral, 0, b, EPHEMERAL, 32);
        System.arraycopy(encryptedEmpty, 0, b, EMPTY, EMPTY_LENGTH);
        return new HandshakeResponse(b);
    }

    public static Result<HandshakeResponse> decode(byte[] buf, int off, int len) {
        return MessageType.decode(MessageType.RESPONSE, buf, off, len, HandshakeResponse::new);
    }

    public int receiver() {
        return Wire.getInt(bytes, RECEIVER);
    }

    public byte[] ephemeral() {
        return field(EPHEMERAL, 32);
    }

    public byte[] encryptedEmpty() {
        return field(EMPTY, EMPTY_LENGTH);
    }
}
