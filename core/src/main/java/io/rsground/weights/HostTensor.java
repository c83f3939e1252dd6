package io.rsground.weights;

import java.util.Arrays;

/**
 * A tensor held in Java memory, as read from or written to a weights file: its shape and its
 * values, float32 or int64. Files store F16 and BF16 too; readers widen those to float32 because
 * the model computes in float32 (and DJL aborts on BF16).
 *
 * @param shape row-major shape; empty for a scalar
 * @param floats the values when the tensor is floating point, else {@code null}
 * @param longs the values when the tensor is integral (I64, I32, ...), else {@code null}
 */
public record HostTensor(long[] shape, float[] floats, long[] longs) {

    public HostTensor {
        shape = shape.clone();
        if ((floats == null) == (longs == null)) {
            throw new IllegalArgumentException("exactly one of floats and longs must be given");
        }
        long n = numel(shape);
        long have = floats != null ? floats.length : longs.length;
        if (n != have) {
            throw new IllegalArgumentException(
                    "shape " + Arrays.toString(shape) + " holds " + n + " values but " + have + " were given");
        }
    }

    public static HostTensor ofFloats(long[] shape, float[] values) {
        return new HostTensor(shape, values, null);
    }

    public static HostTensor ofLongs(long[] shape, long[] values) {
        return new HostTensor(shape, null, values);
    }

    /** @return true when the values are floating point */
    public boolean isFloat() {
        return floats != null;
    }

    /** @return the number of elements the shape holds (1 for a scalar) */
    public long numel() {
        return numel(shape);
    }

    /** @return the shape (a copy) */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** @return the shape as "[a, b, c]" for messages */
    public String shapeString() {
        return Arrays.toString(shape);
    }

    public static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HostTensor t
                && Arrays.equals(shape, t.shape)
                && Arrays.equals(floats, t.floats)
                && Arrays.equals(longs, t.longs);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(shape) + Arrays.hashCode(floats) + Arrays.hashCode(longs);
    }

    @Override
    public String toString() {
        return "HostTensor" + shapeString() + (isFloat() ? " f32" : " i64");
    }
}
