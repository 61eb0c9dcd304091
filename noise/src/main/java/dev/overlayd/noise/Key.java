package dev.overlayd.noise;

import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import dev.overlayd.noise.crypto.Wipe;

/**
 * A 32-byte WireGuard key in the two text forms the tools use: base64 (wg, config files) and
 * lowercase hex (the UAPI). Secret subclasses never print their bytes from {@link #toString()}.
 */
public abstract sealed class Key permits PrivateKey, PublicKey, PresharedKey {
    public static final int LENGTH = 32;
    private static final HexFormat HEX = HexFormat.of();

    final byte[] bytes;

    Key(byte[] bytes) {
        if (bytes.length != LENGTH) {
            throw new IllegalArgumentException("a key is 32 bytes, not " + bytes.length);
        }
        this.bytes = bytes.clone();
    }

    public byte[] bytes() {
        return bytes.clone();
    }

    public String toBase64() {
        return Base64.getEncoder().encodeToString(bytes);
    }

    public String toHex() {
        return HEX.formatHex(bytes);
    }

    public boolean isZero() {
        return Wipe.isZero(bytes);
    }

    /** Decodes base64 (44 characters) as `wg` and config files write keys. */
    static byte[] decodeBase64(String text) {
        byte[] decoded;
        try {
            decoded = text.length() == 44 ? Base64.getDecoder().decode(text) : null;
        } catch (IllegalArgumentException e) {
            decoded = null;
        }
        if (decoded == null || decoded.length != LENGTH) {
            throw new IllegalArgumentException("not a base64 key (44 characters encoding 32 bytes)");
        }
        return decoded;
    }

    /** Decodes hex (64 characters, either case) as the UAPI carries keys. */
    static byte[] decodeHex(String text) {
        if (text.length() != 2 * LENGTH) {
            throw new IllegalArgumentException("not a hex key (64 hex digits)");
        }
        try {
            return HEX.parseHex(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a hex key (64 hex digits)");
        }
    }

    @Override
    public boolean equals(Object o) {
        return o != null && o.getClass() == getClass() && MessageDigest.isEqual(bytes, ((Key) o).bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }
}
