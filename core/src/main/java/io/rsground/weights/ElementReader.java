package io.rsground.weights;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ReadableByteChannel;

/**
 * Decodes raw tensor bytes into Java arrays chunk by chunk, so that reading a tensor needs its destination
 * array and one small buffer, never a second full-size copy.
 */
final class ElementReader {

    /** Largest element count a Java array can hold on common VMs. */
    static final int MAX_ELEMENTS = Integer.MAX_VALUE - 8;

    private static final int CHUNK_BYTES = 1 << 20;

    private final ByteBuffer chunk = ByteBuffer.allocateDirect(CHUNK_BYTES);

    /**
     * Reads {@code count} elements from the channel's current position.
     *
     * @return a float[] for floating types, else a long[], of length {@code count}
     * @throws EOFException when the channel ends early; the message says how many bytes arrived
     */
    Object read(ReadableByteChannel in, Dtype dtype, ByteOrder order, int count) throws IOException {
        if (dtype.isFloatingPoint()) {
            float[] dst = new float[count];
            readInto(in, dtype, order, count, dst, null);
            return dst;
        }
        long[] dst = new long[count];
        readInto(in, dtype, order, count, null, dst);
        return dst;
    }

    private void readInto(ReadableByteChannel in, Dtype dtype, ByteOrder order, int count, float[] floats,
            long[] longs) throws IOException {
        long totalBytes = (long) count * dtype.byteSize();
        long done = 0;
        int offset = 0;
        chunk.order(order);
        while (done < totalBytes) {
            chunk.clear();
            chunk.limit((int) Math.min(CHUNK_BYTES, totalBytes - done));
            while (chunk.hasRemaining()) {
                if (in.read(chunk) < 0) {
                    throw new EOFException("data ended after " + (done + chunk.position()) + " of " + totalBytes
                            + " bytes");
                }
            }
            chunk.flip();
            int n = chunk.remaining() / dtype.byteSize();
            if (floats != null) {
                decodeFloats(chunk, dtype, n, floats, offset);
            } else {
                decodeLongs(chunk, dtype, n, longs, offset);
            }
            offset += n;
            done += (long) n * dtype.byteSize();
        }
    }

    /** Decodes {@code n} elements of a floating type from {@code src} (order already set) into {@code dst}. */
    static void decodeFloats(ByteBuffer src, Dtype dtype, int n, float[] dst, int offset) {
        switch (dtype) {
            case F32 -> src.asFloatBuffer().get(dst, offset, n);
            case F64 -> {
                for (int i = 0; i < n; i++) {
                    dst[offset + i] = (float) src.getDouble(i * 8);
                }
            }
            case F16 -> {
                for (int i = 0; i < n; i++) {
                    dst[offset + i] = halfToFloat(src.getShort(i * 2));
                }
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) {
                    dst[offset + i] = bfloat16ToFloat(src.getShort(i * 2));
                }
            }
            default -> throw new IllegalArgumentException(dtype + " is not a floating type");
        }
    }

    /** Decodes {@code n} elements of an integral or boolean type from {@code src} into {@code dst}. */
    static void decodeLongs(ByteBuffer src, Dtype dtype, int n, long[] dst, int offset) {
        switch (dtype) {
            case I64 -> src.asLongBuffer().get(dst, offset, n);
            case I32 -> {
                for (int i = 0; i < n; i++) {
                    dst[offset + i] = src.getInt(i * 4);
                }
            }
            case I16 -> {
                for (int i = 0; i < n; i++) {
                    dst[offset + i] = src.getShort(i * 2);
                }
            }
            case I8 -> {
                for (int i = 0; i < n; i++) {
                    dst[offset + i] = src.get(i);
                }
            }
            case U8 -> {
                for (int i = 0; i < n; i++) {
                    dst[offset + i] = src.get(i) & 0xff;
                }
            }
            case BOOL -> {
                for (int i = 0; i < n; i++) {
                    dst[offset + i] = src.get(i) != 0 ? 1 : 0;
                }
            }
            default -> throw new IllegalArgumentException(dtype + " is not an integral type");
        }
    }

    /**
     * Converts IEEE 754 half-precision bits to the float of exactly the same value (every half is exactly
     * representable as a float): signed zeros, subnormals, infinities and NaN (payload kept) included.
     */
    static float halfToFloat(short bits) {
        int h = bits & 0xffff;
        int sign = (h & 0x8000) << 16;
        int exponent = (h >>> 10) & 0x1f;
        int mantissa = h & 0x3ff;
        if (exponent == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
        }
        if (exponent == 0) {
            // zero or subnormal: mantissa * 2^-24, exact in float
            float magnitude = mantissa * 0x1p-24f;
            return sign != 0 ? -magnitude : magnitude;
        }
        // rebias the exponent from 15 to 127
        return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
    }

    /** Converts bfloat16 bits (the upper half of a float32) to float. */
    static float bfloat16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xffff) << 16);
    }

    ElementReader() {
    }
}
