package io.rsground.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Tensors made from Java arrays without leaving garbage in direct memory.
 *
 * <p>DJL's {@code NDManager.create(float[], Shape)} copies the array into a fresh direct {@link ByteBuffer} and the
 * CPU tensor aliases it, so the buffer's memory is returned only when the garbage collector gets to it, long after
 * the tensor is closed. A training loop that makes its inputs this way every step grows its resident memory until a
 * collection happens to run (doubling it in the first couple of hundred steps). Here the array goes through one
 * direct buffer per thread, reused, and the tensor handed out is torch's own copy of it.
 */
public final class HostArrays {
    /** Grown on demand, never shrunk: the largest input a thread has made. */
    private static final ThreadLocal<ByteBuffer> STAGING = ThreadLocal.withInitial(() -> direct(0));

    private HostArrays() {
    }

    /**
     * @param manager owner of the result
     * @param data row-major values
     * @param shape the result's shape; its size must equal {@code data.length}
     * @return a float32 tensor owning its memory
     */
    public static NDArray create(NDManager manager, float[] data, Shape shape) {
        checkSize(data.length, shape);
        ByteBuffer staging = staging(data.length * 4L);
        staging.asFloatBuffer().put(data);
        return copyOut(manager, staging, shape, DataType.FLOAT32);
    }

    /**
     * @param manager owner of the result
     * @param data row-major values
     * @param shape the result's shape; its size must equal {@code data.length}
     * @return an int64 tensor owning its memory
     */
    public static NDArray create(NDManager manager, long[] data, Shape shape) {
        checkSize(data.length, shape);
        ByteBuffer staging = staging(data.length * 8L);
        staging.asLongBuffer().put(data);
        return copyOut(manager, staging, shape, DataType.INT64);
    }

    private static void checkSize(int length, Shape shape) {
        if (shape.size() != length) {
            throw new IllegalArgumentException("shape " + shape + " holds " + shape.size() + " values, the array "
                    + length);
        }
    }

    private static ByteBuffer direct(long bytes) {
        return ByteBuffer.allocateDirect(Math.toIntExact(bytes)).order(ByteOrder.nativeOrder());
    }

    private static ByteBuffer staging(long bytes) {
        ByteBuffer buffer = STAGING.get();
        if (buffer.capacity() < bytes) {
            buffer = direct(Math.max(bytes, buffer.capacity() * 2L));
            STAGING.set(buffer);
        }
        return buffer.clear();
    }

    /** Makes a tensor over the staging bytes (aliasing them), then keeps torch's copy and drops the alias. */
    private static NDArray copyOut(NDManager manager, ByteBuffer staging, Shape shape, DataType type) {
        // a slice is big-endian whatever its parent is: the bytes were written in native order
        ByteBuffer view = staging.slice(0, Math.toIntExact(shape.size() * type.getNumOfBytes()))
                .order(ByteOrder.nativeOrder());
        NDArray alias = manager.create(view, shape, type);
        NDArray owned = alias.duplicate();
        alias.close();
        return owned;
    }
}
