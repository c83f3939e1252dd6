package io.rsground.weights;

import java.util.Arrays;
import java.util.Optional;

/**
 * Element types a weights file may store. The constant names are the safetensors dtype names. Floating
 * types are widened (or, for F64, narrowed) to float32 when read; integral and boolean types become int64.
 */
public enum Dtype {
    /** IEEE double, narrowed to the nearest float when read. */
    F64(8, true),
    /** IEEE single. */
    F32(4, true),
    /** IEEE half. */
    F16(2, true),
    /** bfloat16: the upper 16 bits of a float32. */
    BF16(2, true),
    /** signed 64-bit integer. */
    I64(8, false),
    /** signed 32-bit integer. */
    I32(4, false),
    /** signed 16-bit integer. */
    I16(2, false),
    /** signed 8-bit integer. */
    I8(1, false),
    /** unsigned 8-bit integer. */
    U8(1, false),
    /** boolean stored as one byte; any non-zero byte reads as 1. */
    BOOL(1, false);

    private final int byteSize;
    private final boolean floatingPoint;

    Dtype(int byteSize, boolean floatingPoint) {
        this.byteSize = byteSize;
        this.floatingPoint = floatingPoint;
    }

    /** @return bytes per element in the file */
    public int byteSize() {
        return byteSize;
    }

    /** @return true when values read into {@link HostTensor#floats()}, false for {@link HostTensor#longs()} */
    public boolean isFloatingPoint() {
        return floatingPoint;
    }

    /**
     * @param safetensorsName a dtype name as written in a safetensors header, e.g. {@code "BF16"}
     * @return the matching type, or empty when it is not one this project reads
     */
    public static Optional<Dtype> fromSafetensorsName(String safetensorsName) {
        for (Dtype d : values()) {
            if (d.name().equals(safetensorsName)) {
                return Optional.of(d);
            }
        }
        return Optional.empty();
    }

    /** @return the supported safetensors names, for messages */
    static String supportedNames() {
        return Arrays.toString(values());
    }
}
