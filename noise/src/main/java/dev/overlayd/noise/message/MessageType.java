package dev.overlayd.noise.message;

import java.util.Arrays;
import java.util.function.Function;
import dev.overlayd.noise.Protocol;
import dev.overlayd.noise.Rejection;
import dev.overlayd.noise.Result;

/**
 * The first check on every datagram: its type, from a header whose reserved bytes must be zero and
 * whose length must fit the type.
 */
public final class MessageType {
    public static final int INITIATION = 1;
    public static final int RESPONSE = 2;
    public static final int COOKIE_REPLY = 3;
    public static final int TRANSPORT = 4;

    /** Nothing shorter is a WireGuard message: a keepalive, the smallest, is 32 bytes. */
    public static final int MIN_LENGTH = 32;

    private MessageType() {}

    /** The message type of buf[off, off+len), or a negative {@link Rejection#code()}. Never allocates. */
    public static int classify(byte[] buf, int off, int len) {
        if (len < MIN_LENGTH) {
            return Rejection.TOO_SHORT.code();
        }
        if (len > Protocol.MAX_DATAGRAM) {
            return Rejection.WRONG_SIZE.code();
        }
        if ((buf[off + 1] | buf[off + 2] | buf[off + 3]) != 0) {
            return Rejection.RESERVED_NONZERO.code();
        }
        int type = buf[off];
        int expected = switch (type) {
            case INITIATION -> HandshakeInitiation.SIZE;
            case RESPONSE -> HandshakeResponse.SIZE;
            case COOKIE_REPLY -> CookieReply.SIZE;
            case TRANSPORT -> len;
            default -> -1;
        };
        if (expected < 0) {
            return Rejection.UNKNOWN_TYPE.code();
        }
        return len == expected ? type : Rejection.WRONG_SIZE.code();
    }

    /** Decodes buf[off, off+len) as a copy wrapped by {@code wrap} when it classifies as {@code type}. */
    static <M> Result<M> decode(int type, byte[] buf, int off, int len, Function<byte[], M> wrap) {
        int found = classify(buf, off, len);
        if (found != type) {
            return Result.reject(found < 0 ? Rejection.ofCode(found) : Rejection.UNEXPECTED_MESSAGE);
        }
        return Result.accept(wrap.apply(Arrays.copyOfRange(buf, off, off + len)));
    }
}
