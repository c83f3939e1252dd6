package io.rsground.weights;

import java.util.Arrays;
import java.util.stream.Collectors;

/** The storage classes {@code torch.save} names in a persistent id, and the element type of each. */
enum StorageType {
    FLOAT("FloatStorage", Dtype.F32),
    HALF("HalfStorage", Dtype.F16),
    BFLOAT16("BFloat16Storage", Dtype.BF16),
    DOUBLE("DoubleStorage", Dtype.F64),
    LONG("LongStorage", Dtype.I64),
    INT("IntStorage", Dtype.I32),
    SHORT("ShortStorage", Dtype.I16),
    CHAR("CharStorage", Dtype.I8),
    BYTE("ByteStorage", Dtype.U8),
    BOOL("BoolStorage", Dtype.BOOL),
    /** A storage saved on its own, without a tensor: raw bytes, numel counts bytes. */
    UNTYPED("UntypedStorage", Dtype.U8);

    private final String className;
    private final Dtype dtype;

    StorageType(String className, Dtype dtype) {
        this.className = className;
        this.dtype = dtype;
    }

    /** @return the type for a pickled global such as {@code torch FloatStorage}, or null if it is not one */
    static StorageType forGlobal(String module, String name) {
        if (!module.equals("torch") && !module.equals("torch.cuda")) {
            return null;
        }
        for (StorageType t : values()) {
            if (t.className.equals(name)) {
                return t;
            }
        }
        return null;
    }

    Dtype dtype() {
        return dtype;
    }

    String qualifiedName() {
        return "torch." + className;
    }

    static String supportedNames() {
        return Arrays.stream(values()).map(StorageType::qualifiedName).collect(Collectors.joining(", "));
    }
}
