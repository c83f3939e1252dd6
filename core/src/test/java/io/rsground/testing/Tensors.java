package io.rsground.testing;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.rsground.weights.HostTensor;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Test helpers around arrays: reading fixtures through DJL's own safetensors decoder, comparing values. */
public final class Tensors {
    private Tensors() {
    }

    /** Reads a safetensors file with DJL's decoder (an implementation independent of rsground's reader). */
    public static NDList decode(NDManager manager, Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return NDList.decode(manager, in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @return name -> array of a safetensors file, via DJL */
    public static Map<String, NDArray> byName(NDManager manager, Path file) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (NDArray a : decode(manager, file)) {
            out.put(a.getName(), a);
        }
        return out;
    }

    /** @return name -> host tensor of a safetensors file, via DJL */
    public static Map<String, HostTensor> hostByName(NDManager manager, Path file) {
        Map<String, HostTensor> out = new LinkedHashMap<>();
        byName(manager, file).forEach((k, a) -> out.put(k, toHost(a)));
        return out;
    }

    /** @return the array's values in Java memory */
    public static HostTensor toHost(NDArray a) {
        long[] shape = a.getShape().getShape();
        if (a.getDataType().isFloating()) {
            return HostTensor.ofFloats(shape, a.toType(DataType.FLOAT32, false).toFloatArray());
        }
        return HostTensor.ofLongs(shape, a.toType(DataType.INT64, false).toLongArray());
    }

    /** @return max |a - b| over all elements (shapes must agree) */
    public static double maxAbsDiff(NDArray a, NDArray b) {
        if (!a.getShape().equals(b.getShape())) {
            throw new AssertionError("shapes differ: " + a.getShape() + " vs " + b.getShape());
        }
        return a.toType(DataType.FLOAT32, false).sub(b.toType(DataType.FLOAT32, false)).abs().max().getFloat();
    }

    /**
     * @return the largest excess of |a - b| over {@code abs + rel * |b|}; &lt;= 0 means within tolerance
     */
    public static double excessOverTolerance(NDArray actual, NDArray expected, double abs, double rel) {
        NDArray a = actual.toType(DataType.FLOAT32, false);
        NDArray e = expected.toType(DataType.FLOAT32, false);
        return a.sub(e).abs().sub(e.abs().mul((float) rel).add((float) abs)).max().getFloat();
    }

    /** @return the largest |a[i] - b[i]| of two arrays of one length */
    public static double maxAbsDiff(double[] a, double[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("lengths differ: " + a.length + " and " + b.length);
        }
        double d = 0;
        for (int i = 0; i < a.length; i++) {
            d = Math.max(d, Math.abs(a[i] - b[i]));
        }
        return d;
    }
}
