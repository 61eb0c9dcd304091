package dev.overlayd.noise.message;

/**
 * A message protected by mac1 and mac2, the last 32 bytes of initiations and responses. Holds its
 * wire bytes; the handshake fills the body and the cookie generator the MACs, in place.
 */
public abstract sealed class HandshakeMessage permits HandshakeInitiation, HandshakeResponse {
    static final int SENDER = 4;

    final byte[] bytes;

    HandshakeMessage(byte[] bytes) {
        this.bytes = bytes;
    }

    /** A new message of {@code size} bytes with its type set and every other byte zero. */
    static byte[] blank(int type, int size) {
        byte[] b = new byte[size];
        b[0] = (byte) type;
        return b;
    }

    /** The wire form, shared, not copied. */
    public byte[] bytes() {
        return bytes;
    }

    public int sender() {
        return Wire.getInt(bytes, SENDER);
    }

    public int mac1Offset() {
        return bytes.length - 32;
    }

    public int mac2Offset() {
        return bytes.length - 16;
    }

    byte[] field(int off, int len) {
        byte[] out = new byte[len];
        System.arraycopy(bytes, off, out, 0, len);
        return out;
    }
}
