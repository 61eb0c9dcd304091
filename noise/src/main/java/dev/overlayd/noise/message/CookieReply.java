package dev.overlayd.noise.message;

import java.util.Arrays;
import dev.overlayd.noise.Result;

/** Type 3, 64 bytes: receiver (the sender index of the message answered), 24-byte nonce, encrypted cookie (32). */
public final class CookieReply {
    public static final int SIZE = 64;
    static final int RECEIVER = 4;
    static final int NONCE = 8;
    public static final int NONCE_LENGTH = 24;
    static final int COOKIE = 32;
    public static final int COOKIE_LENGTH = 32;

    private final byte[] bytes;

    private CookieReply(byte[] bytes) {
        this.bytes = bytes;
    }

    public static CookieReply create(int receiver, byte[] nonce, byte[] encryptedCookie) {
        byte[] b = new byte[SIZE];
        b[0] = MessageType.COOKIE_REPLY;
        Wire.putInt(b, RECEIVER, receiver);
        System.arraycopy(nonce, 0, b, NONCE, NONCE_LENGTH);
        System.arraycopy(encryptedCookie, 0, b, COOKIE, COOKIE_LENGTH);
        return new CookieReply(b);
    }

    public static Result<CookieReply> decode(byte[] buf, int off, int len) {
        return MessageType.decode(MessageType.COOKIE_REPLY, buf, off, len, CookieReply::new);
    }

    public byte[] bytes() {
        return bytes;
    }

    public int receiver() {
        return Wire.getInt(bytes, RECEIVER);
    }

    public byte[] nonce() {
        return Arrays.copyOfRange(bytes, NONCE, NONCE + NONCE_LENGTH);
    }

    public byte[] encryptedCookie() {
        return Arrays.copyOfRange(bytes, COOKIE, COOKIE + COOKIE_LENGTH);
    }
}
