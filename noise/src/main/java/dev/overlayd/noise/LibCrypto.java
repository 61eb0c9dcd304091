package dev.overlayd.noise;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.ref.Cleaner;

/**
 * ChaCha20-Poly1305 from OpenSSL 3's libcrypto.so.3 through java.lang.foreign: the EVP cipher calls
 * of one packet on a context that already holds the key, so a packet costs a nonce init, one update,
 * the final and the tag, and no key setup. The per-packet calls are critical downcalls: they take
 * the heap arrays themselves (no copy to native memory) and, being short and never calling back, hold
 * off the GC only for the packet's microsecond.
 *
 * <p>Loading fails (ExceptionInInitializerError) when the library or a symbol is missing;
 * {@link OpenSslTransportCipher} turns that into the fallback to the JDK's cipher.
 */
final class LibCrypto {
    /** From openssl/evp.h; the 12-byte nonce is ChaCha20-Poly1305's default, so no SET_IVLEN. */
    private static final int EVP_CTRL_AEAD_GET_TAG = 0x10;
    private static final int EVP_CTRL_AEAD_SET_TAG = 0x11;
    private static final int TAG = TransportCipher.TAG_LENGTH;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBRARY = SymbolLookup.libraryLookup("libcrypto.so.3", Arena.global());
    private static final Linker.Option CRITICAL = Linker.Option.critical(true);

    private static final MethodHandle CTX_NEW = downcall("EVP_CIPHER_CTX_new", FunctionDescriptor.of(ADDRESS));
    private static final MethodHandle CTX_FREE = downcall("EVP_CIPHER_CTX_free", FunctionDescriptor.ofVoid(ADDRESS));
    /** (ctx, cipher, engine, key, iv, enc): a null cipher and key keep the context's, a null iv keeps the nonce. */
    private static final MethodHandle CIPHER_INIT = downcall("EVP_CipherInit_ex",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_INT), CRITICAL);
    /** (ctx, out, outl, in, inl) */
    private static final MethodHandle UPDATE = downcall("EVP_CipherUpdate",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_INT), CRITICAL);
    /** (ctx, out, outl): writes nothing for a stream cipher; on decryption, checks the tag. */
    private static final MethodHandle FINAL = downcall("EVP_CipherFinal_ex",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS), CRITICAL);
    /** (ctx, type, arg, ptr) */
    private static final MethodHandle CTRL = downcall("EVP_CIPHER_CTX_ctrl",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS), CRITICAL);
    private static final MemorySegment CHACHA20_POLY1305 = chacha20Poly1305();

    /** Frees the contexts of keys dropped without a wipe (in tests, mostly); a wipe frees at once. */
    private static final Cleaner CLEANER =
            Cleaner.create(Thread.ofPlatform().name("libcrypto-cleaner").daemon().factory());

    private LibCrypto() {}

    private static MethodHandle downcall(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        return LINKER.downcallHandle(LIBRARY.findOrThrow(name), descriptor, options);
    }

    private static MemorySegment chacha20Poly1305() {
        MemorySegment cipher;
        try {
            cipher = (MemorySegment) downcall("EVP_chacha20_poly1305", FunctionDescriptor.of(ADDRESS)).invokeExact();
        } catch (Throwable e) {
            throw rethrow(e);
        }
        if (cipher.equals(MemorySegment.NULL)) {
            throw new IllegalStateException("this libcrypto has no ChaCha20-Poly1305");
        }
        return cipher;
    }

    /** A context with this key set, for encryption and decryption alike. */
    static Context context(byte[] key) {
        MemorySegment ctx;
        try {
            ctx = (MemorySegment) CTX_NEW.invokeExact();
        } catch (Throwable e) {
            throw rethrow(e);
        }
        if (ctx.equals(MemorySegment.NULL)) {
            throw new OutOfMemoryError("EVP_CIPHER_CTX_new");
        }
        Context context = new Context(ctx);
        int ok;
        try {
            ok = (int) CIPHER_INIT.invokeExact(ctx, CHACHA20_POLY1305, MemorySegment.NULL, MemorySegment.ofArray(key),
                    MemorySegment.NULL, 1);
        } catch (Throwable e) {
            context.free();
            throw rethrow(e);
        }
        if (ok != 1) {
            context.free();
            throw new IllegalStateException("libcrypto refused a ChaCha20-Poly1305 key");
        }
        return context;
    }

    private static RuntimeException rethrow(Throwable e) {
        if (e instanceof RuntimeException r) {
            throw r;
        }
        if (e instanceof Error error) {
            throw error;
        }
        throw new IllegalStateException(e);
    }

    /**
     * An EVP_CIPHER_CTX holding one transport key. Not thread-safe: its {@link TransportKey} locks
     * around every use and around {@link #free()}.
     */
    static final class Context {
        private final MemorySegment ctx;
        private final Cleaner.Cleanable freeing;

        private Context(MemorySegment ctx) {
            this.ctx = ctx;
            this.freeing = CLEANER.register(this, new Free(ctx));
        }

        /** As {@link TransportCipher#seal}; {@code outLength} is scratch for libcrypto's out-length argument. */
        int seal(byte[] nonce, int[] outLength, byte[] buf, int off, int len) {
            MemorySegment message = MemorySegment.ofArray(buf).asSlice(off, len + TAG);
            MemorySegment tag = message.asSlice(len);
            MemorySegment out = MemorySegment.ofArray(outLength);
            try {
                if ((int) CIPHER_INIT.invokeExact(ctx, MemorySegment.NULL, MemorySegment.NULL, MemorySegment.NULL,
                                MemorySegment.ofArray(nonce), 1) != 1
                        || len > 0 && (int) UPDATE.invokeExact(ctx, message, out, message, len) != 1
                        || (int) FINAL.invokeExact(ctx, tag, out) != 1
                        || (int) CTRL.invokeExact(ctx, EVP_CTRL_AEAD_GET_TAG, TAG, tag) != 1) {
                    throw new IllegalStateException("libcrypto failed to seal");
                }
            } catch (Throwable e) {
                throw rethrow(e);
            }
            return len + TAG;
        }

        /**
         * As {@link TransportCipher#open}. libcrypto decrypts before the final call checks the tag,
         * so a forgery's would-be plaintext is zeroed before returning -1.
         */
        int open(byte[] nonce, int[] outLength, byte[] buf, int off, int len) {
            int plaintext = len - TAG;
            if (plaintext < 0) {
                return -1;
            }
            MemorySegment message = MemorySegment.ofArray(buf).asSlice(off, len);
            MemorySegment tag = message.asSlice(plaintext);
            MemorySegment out = MemorySegment.ofArray(outLength);
            boolean authentic;
            try {
                if ((int) CIPHER_INIT.invokeExact(ctx, MemorySegment.NULL, MemorySegment.NULL, MemorySegment.NULL,
                                MemorySegment.ofArray(nonce), 0) != 1
                        || (int) CTRL.invokeExact(ctx, EVP_CTRL_AEAD_SET_TAG, TAG, tag) != 1
                        || plaintext > 0 && (int) UPDATE.invokeExact(ctx, message, out, message, plaintext) != 1) {
                    throw new IllegalStateException("libcrypto failed to open");
                }
                authentic = (int) FINAL.invokeExact(ctx, tag, out) == 1;
            } catch (Throwable e) {
                throw rethrow(e);
            }
            if (!authentic) {
                message.asSlice(0, plaintext).fill((byte) 0);
                return -1;
            }
            return plaintext;
        }

        /** EVP_CIPHER_CTX_free cleanses the context, key included. At most once, however often called. */
        void free() {
            freeing.clean();
        }
    }

    /** The cleaning action: refers to the native context only, never to its (unreachable) owner. */
    private record Free(MemorySegment ctx) implements Runnable {
        @Override
        public void run() {
            try {
                CTX_FREE.invokeExact(ctx);
            } catch (Throwable e) {
                throw rethrow(e);
            }
        }
    }
}
