package io.rsground.weights;

import java.util.Arrays;

/**
 * One decoded storage blob of a {@code torch.save} archive: the flat values that tensors view with an
 * offset, sizes and strides.
 *
 * @param entryName the zip entry it came from, for messages
 * @param type the storage class
 * @param values float[] for floating types, long[] otherwise
 */
record TorchStorage(String entryName, StorageType type, Object values) {

    long numel() {
        return values instanceof float[] f ? f.length : ((long[]) values).length;
    }

    /** @return the whole storage as a 1-D tensor (for storages pickled on their own) */
    HostTensor asTensor() {
        return tensorOf(new long[] {numel()}, values);
    }

    /**
     * Rebuilds a tensor as torch's {@code _rebuild_tensor_v2} does: element {@code (i0, i1, ...)} is
     * {@code values[offset + i0 * stride0 + i1 * stride1 + ...]}. A view of the whole storage in row-major
     * order shares the storage's array (tensors aliasing one storage then share memory); any other view is
     * copied into a new contiguous array.
     *
     * @return a tensor of shape {@code size}
     * @throws PickleValues.Malformed when the view does not fit the storage
     */
    HostTensor view(long offset, long[] size, long[] stride) {
        if (size.length != stride.length) {
            throw new PickleValues.Malformed("tensor on " + entryName + " has size " + Arrays.toString(size)
                    + " but stride " + Arrays.toString(stride));
        }
        long numel = 1;
        long last = offset;
        try {
            for (int d = 0; d < size.length; d++) {
                if (size[d] < 0 || stride[d] < 0) {
                    throw new PickleValues.Malformed("tensor on " + entryName + " has negative size or stride: size "
                            + Arrays.toString(size) + ", stride " + Arrays.toString(stride));
                }
                numel = Math.multiplyExact(numel, size[d]);
                if (size[d] > 0) {
                    last = Math.addExact(last, Math.multiplyExact(size[d] - 1, stride[d]));
                }
            }
        } catch (ArithmeticException e) {
            throw new PickleValues.Malformed("tensor on " + entryName + " with size " + Arrays.toString(size)
                    + " and stride " + Arrays.toString(stride) + " overflows 64-bit indexing");
        }
        if (numel > ElementReader.MAX_ELEMENTS) {
            throw new PickleValues.Malformed("tensor on " + entryName + " with size " + Arrays.toString(size)
                    + " holds " + numel + " elements; a Java array holds at most " + ElementReader.MAX_ELEMENTS);
        }
        if (numel > 0 && (offset < 0 || last >= numel())) {
            throw new PickleValues.Malformed("tensor with offset " + offset + ", size " + Arrays.toString(size)
                    + " and stride " + Arrays.toString(stride) + " reaches element " + last + " but "
                    + entryName + " holds " + numel() + " (" + type().qualifiedName() + ")");
        }
        int n = (int) numel;
        if (n == 0) {
            return tensorOf(size, values instanceof float[] ? new float[0] : new long[0]);
        }
        if (offset == 0 && n == numel() && isRowMajor(size, stride)) {
            return tensorOf(size, values);
        }
        if (values instanceof float[] src) {
            float[] dst = new float[n];
            if (isRowMajor(size, stride)) {
                System.arraycopy(src, (int) offset, dst, 0, n);
            } else {
                gather(size, stride, offset, n, (from, to) -> dst[to] = src[from]);
            }
            return HostTensor.ofFloats(size, dst);
        }
        long[] src = (long[]) values;
        long[] dst = new long[n];
        if (isRowMajor(size, stride)) {
            System.arraycopy(src, (int) offset, dst, 0, n);
        } else {
            gather(size, stride, offset, n, (from, to) -> dst[to] = src[from]);
        }
        return HostTensor.ofLongs(size, dst);
    }

    private interface Copy {
        void copy(int from, int to);
    }

    /** Walks the view in row-major order with an odometer over the indices. */
    private static void gather(long[] size, long[] stride, long offset, int n, Copy copy) {
        int rank = size.length;
        long[] index = new long[rank];
        long position = offset;
        for (int i = 0; i < n; i++) {
            copy.copy((int) position, i);
            for (int d = rank - 1; d >= 0; d--) {
                index[d]++;
                position += stride[d];
                if (index[d] < size[d]) {
                    break;
                }
                position -= stride[d] * size[d];
                index[d] = 0;
            }
        }
    }

    /** Row-major (C-contiguous) as torch defines it: dimensions of size 1 may have any stride. */
    static boolean isRowMajor(long[] size, long[] stride) {
        long expected = 1;
        for (int d = size.length - 1; d >= 0; d--) {
            if (size[d] != 1 && stride[d] != expected) {
                return false;
            }
            expected *= size[d];
        }
        return true;
    }

    private static HostTensor tensorOf(long[] shape, Object values) {
        return values instanceof float[] f ? HostTensor.ofFloats(shape, f) : HostTensor.ofLongs(shape, (long[]) values);
    }
}
