package dev.overlayd.noise.message;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/** Little-endian integers in byte arrays, the byte order of every WireGuard header field. */
public final class Wire {
    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private Wire() {}

    public static int getInt(byte[] buf, int off) {
        return (int) INT.get(buf, off);
    }

    public static void putInt(byte[] buf, int off, int value) {
        INT.set(buf, off, value);
    }

    public static long getLong(byte[] buf, int off) {
        return (long) LONG.get(buf, off);
    }

    public static void putLong(byte[] buf, int off, long value) {
        LONG.set(buf, off, value);
    }
}
