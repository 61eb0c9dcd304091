package dev.overlayd.noise.message;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import dev.overlayd.noise.Rejection;
import dev.overlayd.noise.Result;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class MessageTypeTest {
    /** The fixed-size types and their sizes. */
    private static final int[][] SIZED = {
            {MessageType.INITIATION, HandshakeInitiation.SIZE},
            {MessageType.RESPONSE, HandshakeResponse.SIZE},
            {MessageType.COOKIE_REPLY, CookieReply.SIZE}};

    private static byte[] message(int type, int length) {
        byte[] b = new byte[length];
        new Random(type * 1000L + length).nextBytes(b);
        b[0] = (byte) type;
        b[1] = b[2] = b[3] = 0;
        return b;
    }

    private static int classify(byte[] b) {
        return MessageType.classify(b, 0, b.length);
    }

    private static Rejection rejectionOf(int code) {
        assertTrue(code < 0, "expected a rejection, got type " + code);
        return Rejection.ofCode(code);
    }

    /** Each decoder with the type it accepts. */
    private enum Decoder {
        INITIATION(MessageType.INITIATION) {
            @Override
            Result<?> decode(byte[] buf, int off, int len) {
                return HandshakeInitiation.decode(buf, off, len);
            }
        },
        RESPONSE(MessageType.RESPONSE) {
            @Override
            Result<?> decode(byte[] buf, int off, int len) {
                return HandshakeResponse.decode(buf, off, len);
            }
        },
        COOKIE_REPLY(MessageType.COOKIE_REPLY) {
            @Override
            Result<?> decode(byte[] buf, int off, int len) {
                return CookieReply.decode(buf, off, len);
            }
        };

        final int type;

        Decoder(int type) {
            this.type = type;
        }

        abstract Result<?> decode(byte[] buf, int off, int len);

        /** The wire bytes of a decoded message. */
        static byte[] bytesOf(Object message) {
            return switch (message) {
                case HandshakeMessage m -> m.bytes();
                case CookieReply c -> c.bytes();
                default -> throw new AssertionError(message.getClass());
            };
        }
    }

    // ---- classify

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4})
    void everythingShorterThan32BytesIsTooShort(int type) {
        byte[] buf = message(type, 200);
        for (int length = 0; length < MessageType.MIN_LENGTH; length++) {
            assertEquals(Rejection.TOO_SHORT, rejectionOf(MessageType.classify(buf, 0, length)), "length " + length);
            assertEquals(Rejection.TOO_SHORT, rejectionOf(MessageType.classify(buf, 7, length)), "length " + length);
        }
    }

    static Stream<Arguments> eachTypeAndReservedByte() {
        return IntStream.rangeClosed(1, 4).boxed()
                .flatMap(type -> Stream.of(1, 2, 3).flatMap(position ->
                        Stream.of(0x01, 0x80, 0xFF).map(value -> Arguments.of(type, position, value))));
    }

    @ParameterizedTest(name = "type {0}, byte {1} = {2}")
    @MethodSource("eachTypeAndReservedByte")
    void aNonZeroReservedByteIsRefused(int type, int position, int value) {
        byte[] b = message(type, type == 4 ? 48 : sizeOf(type));
        b[position] = (byte) value;
        assertEquals(Rejection.RESERVED_NONZERO, rejectionOf(classify(b)));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 5, 6, 0x7F, 0x80, 0x81, 0xFE, 0xFF})
    void unknownTypesAreRefused(int type) {
        for (int length : new int[] {32, 64, 92, 148, 1500}) {
            assertEquals(Rejection.UNKNOWN_TYPE, rejectionOf(classify(message(type, length))), "length " + length);
        }
    }

    @Test
    void fixedSizeTypesClassifyAtTheirSizeOnly() {
        for (int[] typeAndSize : SIZED) {
            int type = typeAndSize[0];
            int size = typeAndSize[1];
            assertEquals(type, classify(message(type, size)));
            IntStream otherSizes = Arrays.stream(SIZED).mapToInt(t -> t[1]).filter(s -> s != size);
            for (int wrong : IntStream.concat(IntStream.of(size - 1, size + 1, 32, 1500), otherSizes).toArray()) {
                assertEquals(Rejection.WRONG_SIZE, rejectionOf(classify(message(type, wrong))),
                        "type " + type + " length " + wrong);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {32, 33, 47, 48, 1452, 65535})
    void transportDataClassifiesAtAnyLengthFrom32(int length) {
        assertEquals(MessageType.TRANSPORT, classify(message(4, length)));
    }

    @Test
    void classifiesOnlyTheGivenRangeOfALargerBuffer() {
        byte[] buf = new byte[400];
        Arrays.fill(buf, (byte) 0xEE);
        byte[] initiation = message(MessageType.INITIATION, HandshakeInitiation.SIZE);
        System.arraycopy(initiation, 0, buf, 33, initiation.length);
        assertEquals(MessageType.INITIATION, MessageType.classify(buf, 33, HandshakeInitiation.SIZE));
        assertEquals(Rejection.WRONG_SIZE, rejectionOf(MessageType.classify(buf, 33, HandshakeInitiation.SIZE + 1)));
        assertEquals(Rejection.RESERVED_NONZERO, rejectionOf(MessageType.classify(buf, 32, HandshakeInitiation.SIZE)));
    }

    // ---- decode

    @Test
    void decodersAcceptTheirOwnTypeAndCallOthersUnexpected() {
        for (Decoder decoder : Decoder.values()) {
            for (int[] typeAndSize : SIZED) {
                byte[] b = message(typeAndSize[0], typeAndSize[1]);
                Result<?> result = decoder.decode(b, 0, b.length);
                if (typeAndSize[0] == decoder.type) {
                    assertArrayEquals(b, Decoder.bytesOf(result.value()));
                } else {
                    assertEquals(Rejection.UNEXPECTED_MESSAGE, result.rejection(),
                            decoder + " given type " + typeAndSize[0]);
                }
            }
            byte[] transport = message(MessageType.TRANSPORT, decoder == Decoder.INITIATION ? 148 : 64);
            assertEquals(Rejection.UNEXPECTED_MESSAGE, decoder.decode(transport, 0, transport.length).rejection(),
                    decoder + " given transport data of its size");
        }
    }

    @Test
    void decodersPassOnTheHeaderRejection() {
        for (Decoder decoder : Decoder.values()) {
            int size = sizeOf(decoder.type);
            byte[] good = message(decoder.type, size);
            assertEquals(Rejection.TOO_SHORT, decoder.decode(good, 0, 31).rejection());
            assertEquals(Rejection.WRONG_SIZE, decoder.decode(good, 0, size - 1).rejection());
            byte[] reserved = good.clone();
            reserved[2] = 1;
            assertEquals(Rejection.RESERVED_NONZERO, decoder.decode(reserved, 0, size).rejection());
            byte[] unknown = good.clone();
            unknown[0] = 9;
            assertEquals(Rejection.UNKNOWN_TYPE, decoder.decode(unknown, 0, size).rejection());
        }
    }

    @Test
    void decodingAtAnOffsetCopiesTheMessageOutOfTheBuffer() {
        HandshakeResponse original = HandshakeResponse.create(0x01020304, 0x0A0B0C0D, filled(32, 7), filled(16, 9));
        byte[] buf = new byte[300];
        Arrays.fill(buf, (byte) 0x33);
        System.arraycopy(original.bytes(), 0, buf, 101, HandshakeResponse.SIZE);

        HandshakeResponse decoded = HandshakeResponse.decode(buf, 101, HandshakeResponse.SIZE).value();
        Arrays.fill(buf, (byte) 0);

        assertArrayEquals(original.bytes(), decoded.bytes());
        assertEquals(0x01020304, decoded.sender());
        assertEquals(0x0A0B0C0D, decoded.receiver());
        assertArrayEquals(filled(32, 7), decoded.ephemeral());
        assertArrayEquals(filled(16, 9), decoded.encryptedEmpty());

        byte[] cookie = CookieReply.create(0x55667788, filled(24, 1), filled(32, 2)).bytes();
        byte[] initiation = HandshakeInitiation.create(-2, filled(32, 3), filled(48, 4), filled(28, 5)).bytes();
        byte[] both = new byte[1 + cookie.length + initiation.length];
        System.arraycopy(cookie, 0, both, 1, cookie.length);
        System.arraycopy(initiation, 0, both, 1 + cookie.length, initiation.length);
        CookieReply reply = CookieReply.decode(both, 1, cookie.length).value();
        assertEquals(0x55667788, reply.receiver());
        assertArrayEquals(filled(24, 1), reply.nonce());
        assertArrayEquals(filled(32, 2), reply.encryptedCookie());
        HandshakeInitiation init = HandshakeInitiation.decode(both, 1 + cookie.length, initiation.length).value();
        assertEquals(-2, init.sender());
        assertArrayEquals(filled(48, 4), init.encryptedStatic());
        assertArrayEquals(filled(28, 5), init.encryptedTimestamp());
    }

    // ---- fuzz

    /** classify as the protocol states it: length, then reserved bytes, then type and size. */
    private static int model(byte[] buf, int off, int len) {
        if (len < 32) {
            return Rejection.TOO_SHORT.code();
        }
        if (buf[off + 1] != 0 || buf[off + 2] != 0 || buf[off + 3] != 0) {
            return Rejection.RESERVED_NONZERO.code();
        }
        int type = buf[off] & 0xFF;
        if (type == 4) {
            return 4;
        }
        if (type < 1 || type > 3) {
            return Rejection.UNKNOWN_TYPE.code();
        }
        return len == sizeOf(type) ? type : Rejection.WRONG_SIZE.code();
    }

    @Test
    void randomDatagramsNeverThrowAndMatchTheModel() {
        Random random = new Random(0xF0221E5L);
        List<Integer> interesting = List.of(31, 32, 33, 63, 64, 65, 91, 92, 93, 147, 148, 149);
        int[] types = new int[5];
        int[] rejections = new int[Rejection.values().length];
        for (int i = 0; i < 100_000; i++) {
            byte[] buf = new byte[random.nextInt(301)];
            random.nextBytes(buf);
            int off = random.nextInt(buf.length + 1);
            int room = buf.length - off;
            int len = random.nextInt(room + 1);
            if (random.nextBoolean()) {
                int wanted = interesting.get(random.nextInt(interesting.size()));
                if (wanted <= room) {
                    len = wanted;
                }
            }
            if (len >= 4 && random.nextInt(4) != 0) {
                buf[off + 1] = buf[off + 2] = buf[off + 3] = 0;
                if (random.nextInt(4) != 0) {
                    buf[off] = (byte) (1 + random.nextInt(4));
                }
            }

            int expected = model(buf, off, len);
            int actual = MessageType.classify(buf, off, len);
            String where = "buffer " + buf.length + ", off " + off + ", len " + len;
            assertEquals(expected, actual, where);
            if (expected < 0) {
                rejections[Rejection.ofCode(expected).ordinal()]++;
            } else {
                types[expected]++;
            }
            for (Decoder decoder : Decoder.values()) {
                Result<?> result = decoder.decode(buf, off, len);
                if (expected == decoder.type) {
                    assertArrayEquals(Arrays.copyOfRange(buf, off, off + len), Decoder.bytesOf(result.value()), where);
                } else {
                    assertFalse(result.isAccepted(), where);
                    assertEquals(expected < 0 ? Rejection.ofCode(expected) : Rejection.UNEXPECTED_MESSAGE,
                            result.rejection(), decoder + ", " + where);
                }
            }
        }
        for (int type = 1; type <= 4; type++) {
            assertTrue(types[type] > 100, "fuzz reached type " + type + " only " + types[type] + " times");
        }
        for (Rejection r : List.of(Rejection.TOO_SHORT, Rejection.RESERVED_NONZERO, Rejection.UNKNOWN_TYPE,
                Rejection.WRONG_SIZE)) {
            assertTrue(rejections[r.ordinal()] > 100, "fuzz reached " + r + " only " + rejections[r.ordinal()] + " times");
        }
    }

    private static int sizeOf(int type) {
        return switch (type) {
            case MessageType.INITIATION -> HandshakeInitiation.SIZE;
            case MessageType.RESPONSE -> HandshakeResponse.SIZE;
            case MessageType.COOKIE_REPLY -> CookieReply.SIZE;
            default -> throw new IllegalArgumentException("type " + type);
        };
    }

    private static byte[] filled(int length, int value) {
        byte[] b = new byte[length];
        Arrays.fill(b, (byte) value);
        return b;
    }
}
