package io.rsground.infer.onnx;

import com.google.protobuf.CodedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * The subset of ONNX's protobuf messages ({@code onnx.proto}) that an exported model needs, encoded with
 * protobuf's wire format through {@link CodedOutputStream}. Field numbers are those of the published format. Every
 * message knows its encoded size, so nested messages are written straight to the stream without being copied
 * into buffers first (a ViT-B model is 600 MB of weights).
 */
public final class OnnxProto {
    /** ONNX {@code TensorProto.DataType.FLOAT}. */
    public static final int FLOAT = 1;
    /** ONNX {@code TensorProto.DataType.UINT8}. */
    public static final int UINT8 = 2;
    /** ONNX {@code TensorProto.DataType.INT8}. */
    public static final int INT8 = 3;
    /** ONNX {@code TensorProto.DataType.INT32}. */
    public static final int INT32 = 6;
    /** ONNX {@code TensorProto.DataType.INT64}. */
    public static final int INT64 = 7;
    /** ONNX {@code TensorProto.DataType.BOOL}. */
    public static final int BOOL = 9;

    private OnnxProto() {
    }

    /** A message that can write itself. */
    interface Message {
        /** @return the encoded size in bytes */
        long size();

        /** Writes the message's fields (without a tag or length prefix). */
        void write(CodedOutputStream out) throws IOException;
    }

    private static int sizeInt(long size) {
        if (size > Integer.MAX_VALUE) {
            throw new IllegalStateException("an ONNX protobuf message is limited to 2 GB, this one needs " + size
                    + " bytes; the model is too large for a single .onnx file");
        }
        return (int) size;
    }

    private static long messageSize(int field, Message m) {
        long s = m.size();
        return CodedOutputStream.computeTagSize(field) + CodedOutputStream.computeUInt32SizeNoTag(sizeInt(s)) + s;
    }

    private static void writeMessage(CodedOutputStream out, int field, Message m) throws IOException {
        out.writeTag(field, 2);
        out.writeUInt32NoTag(sizeInt(m.size()));
        m.write(out);
    }

    private static long stringSize(int field, String s) {
        return s == null ? 0 : CodedOutputStream.computeStringSize(field, s);
    }

    private static void writeString(CodedOutputStream out, int field, String s) throws IOException {
        if (s != null) {
            out.writeString(field, s);
        }
    }

    /** A {@code StringStringEntryProto} (key 1, value 2) or {@code OperatorSetIdProto} (domain 1, version 2). */
    private static Message pair(int f1, String key, int f2, Object value) {
        return new Message() {
            @Override
            public long size() {
                return CodedOutputStream.computeStringSize(f1, key) + (value instanceof String s
                        ? CodedOutputStream.computeStringSize(f2, s)
                        : CodedOutputStream.computeInt64Size(f2, (Long) value));
            }

            @Override
            public void write(CodedOutputStream out) throws IOException {
                out.writeString(f1, key);
                if (value instanceof String s) {
                    out.writeString(f2, s);
                } else {
                    out.writeInt64(f2, (Long) value);
                }
            }
        };
    }

    /** Packed repeated int64: what proto3 writes and proto2 readers (ONNX) accept for repeated scalars. */
    private static long packedLongsSize(int field, long[] values) {
        if (values.length == 0) {
            return 0;
        }
        long body = 0;
        for (long v : values) {
            body += CodedOutputStream.computeInt64SizeNoTag(v);
        }
        return CodedOutputStream.computeTagSize(field) + CodedOutputStream.computeUInt32SizeNoTag((int) body) + body;
    }

    private static void writePackedLongs(CodedOutputStream out, int field, long[] values) throws IOException {
        if (values.length == 0) {
            return;
        }
        int body = 0;
        for (long v : values) {
            body += CodedOutputStream.computeInt64SizeNoTag(v);
        }
        out.writeTag(field, 2);
        out.writeUInt32NoTag(body);
        for (long v : values) {
            out.writeInt64NoTag(v);
        }
    }

    /**
     * Where a tensor's bytes lie outside the model file ({@code TensorProto.external_data}): {@code length} bytes
     * from {@code offset} of the file {@code location}, a path relative to the model file's folder.
     */
    public record ExternalLocation(String location, long offset, long length) {
    }

    /**
     * {@code TensorProto}: dims (1), data_type (2), name (8), raw_data (9, little-endian); or, for a tensor whose
     * bytes lie in a side file, external_data (13, {@code StringStringEntryProto} entries location, offset, length)
     * and data_location (14) = EXTERNAL (1) instead of raw_data.
     *
     * @param name the tensor's name in the graph
     * @param dataType one of this class's data type constants
     * @param dims the shape
     * @param raw the values, little-endian, row-major; null when {@code external} is given
     * @param external where the values lie outside the model file, or null when they are in {@code raw}
     */
    public record Tensor(String name, int dataType, long[] dims, ByteBuffer raw, ExternalLocation external)
            implements Message {
        /** {@code TensorProto.DataLocation.EXTERNAL}. */
        private static final int EXTERNAL = 1;

        /** A tensor holding its values. */
        public Tensor(String name, int dataType, long[] dims, ByteBuffer raw) {
            this(name, dataType, dims, raw, null);
        }

        public Tensor {
            if ((raw == null) == (external == null)) {
                throw new IllegalArgumentException("tensor " + name + " needs either its bytes or an external "
                        + "location, not both or neither");
            }
        }

        /** @return a float32 tensor of the given shape holding {@code values} */
        public static Tensor floats(String name, long[] dims, float[] values) {
            checkCount(name, dims, values.length);
            ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
            b.asFloatBuffer().put(values);
            return new Tensor(name, FLOAT, dims, b);
        }

        /** @return an int64 tensor of the given shape holding {@code values} */
        public static Tensor longs(String name, long[] dims, long[] values) {
            checkCount(name, dims, values.length);
            ByteBuffer b = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
            b.asLongBuffer().put(values);
            return new Tensor(name, INT64, dims, b);
        }

        /** @return an int8 or uint8 tensor of the given shape holding {@code values} */
        public static Tensor bytes(String name, int dataType, long[] dims, byte[] values) {
            checkCount(name, dims, values.length);
            return new Tensor(name, dataType, dims, ByteBuffer.wrap(values));
        }

        /** @return this tensor's description pointing at its bytes in a side file instead of holding them */
        public Tensor movedTo(ExternalLocation location) {
            return new Tensor(name, dataType, dims, null, location);
        }

        private static void checkCount(String name, long[] dims, int count) {
            long n = 1;
            for (long d : dims) {
                n *= d;
            }
            if (n != count) {
                throw new IllegalArgumentException("tensor " + name + ": shape " + java.util.Arrays.toString(dims)
                        + " holds " + n + " values, got " + count);
            }
        }

        private List<Message> externalEntries() {
            return List.of(pair(1, "location", 2, external.location()),
                    pair(1, "offset", 2, Long.toString(external.offset())),
                    pair(1, "length", 2, Long.toString(external.length())));
        }

        @Override
        public long size() {
            long n = packedLongsSize(1, dims) + CodedOutputStream.computeInt32Size(2, dataType) + stringSize(8, name);
            if (external != null) {
                for (Message entry : externalEntries()) {
                    n += messageSize(13, entry);
                }
                return n + CodedOutputStream.computeEnumSize(14, EXTERNAL);
            }
            return n + CodedOutputStream.computeTagSize(9) + CodedOutputStream.computeUInt32SizeNoTag(raw.remaining())
                    + raw.remaining();
        }

        @Override
        public void write(CodedOutputStream out) throws IOException {
            writePackedLongs(out, 1, dims);
            out.writeInt32(2, dataType);
            writeString(out, 8, name);
            if (external != null) {
                for (Message entry : externalEntries()) {
                    writeMessage(out, 13, entry);
                }
                out.writeEnum(14, EXTERNAL);
                return;
            }
            out.writeTag(9, 2);
            out.writeUInt32NoTag(raw.remaining());
            out.writeRawBytes(raw.duplicate());
        }
    }

    /**
     * {@code AttributeProto}: name (1), f (2), i (3), s (4), t (5), floats (7), ints (8), type (20). Exactly one
     * value field is set, as {@code type} says.
     */
    public record Attribute(String name, int type, float f, long i, String s, Tensor t, float[] floats, long[] ints)
            implements Message {
        private static final int FLOAT_TYPE = 1;
        private static final int INT_TYPE = 2;
        private static final int STRING_TYPE = 3;
        private static final int TENSOR_TYPE = 4;
        private static final int FLOATS_TYPE = 6;
        private static final int INTS_TYPE = 7;

        /** @return a FLOAT attribute */
        public static Attribute of(String name, float value) {
            return new Attribute(name, FLOAT_TYPE, value, 0, null, null, null, null);
        }

        /** @return an INT attribute */
        public static Attribute of(String name, long value) {
            return new Attribute(name, INT_TYPE, 0, value, null, null, null, null);
        }

        /** @return a STRING attribute (UTF-8) */
        public static Attribute of(String name, String value) {
            return new Attribute(name, STRING_TYPE, 0, 0, value, null, null, null);
        }

        /** @return a TENSOR attribute */
        public static Attribute of(String name, Tensor value) {
            return new Attribute(name, TENSOR_TYPE, 0, 0, null, value, null, null);
        }

        /** @return a FLOATS attribute */
        public static Attribute floats(String name, float... values) {
            return new Attribute(name, FLOATS_TYPE, 0, 0, null, null, values, null);
        }

        /** @return an INTS attribute */
        public static Attribute ints(String name, long... values) {
            return new Attribute(name, INTS_TYPE, 0, 0, null, null, null, values);
        }

        @Override
        public long size() {
            long n = stringSize(1, name) + CodedOutputStream.computeInt32Size(20, type);
            return n + switch (type) {
                case FLOAT_TYPE -> CodedOutputStream.computeFloatSize(2, f);
                case INT_TYPE -> CodedOutputStream.computeInt64Size(3, i);
                case STRING_TYPE -> CodedOutputStream.computeStringSize(4, s); // bytes and strings: one encoding
                case TENSOR_TYPE -> messageSize(5, t);
                case FLOATS_TYPE -> (long) floats.length * (CodedOutputStream.computeTagSize(7) + 4);
                case INTS_TYPE -> {
                    long m = 0;
                    for (long v : ints) {
                        m += CodedOutputStream.computeInt64Size(8, v);
                    }
                    yield m;
                }
                default -> throw new IllegalStateException("attribute type " + type);
            };
        }

        @Override
        public void write(CodedOutputStream out) throws IOException {
            writeString(out, 1, name);
            switch (type) {
                case FLOAT_TYPE -> out.writeFloat(2, f);
                case INT_TYPE -> out.writeInt64(3, i);
                case STRING_TYPE -> out.writeString(4, s);
                case TENSOR_TYPE -> writeMessage(out, 5, t);
                case FLOATS_TYPE -> {
                    for (float v : floats) {
                        out.writeFloat(7, v);
                    }
                }
                case INTS_TYPE -> {
                    for (long v : ints) {
                        out.writeInt64(8, v);
                    }
                }
                default -> throw new IllegalStateException("attribute type " + type);
            }
            out.writeInt32(20, type);
        }
    }

    /** {@code NodeProto}: input (1), output (2), name (3), op_type (4), attribute (5). */
    public record Node(String name, String opType, List<String> inputs, List<String> outputs,
            List<Attribute> attributes) implements Message {
        @Override
        public long size() {
            long n = stringSize(3, name) + stringSize(4, opType);
            for (String s : inputs) {
                n += CodedOutputStream.computeStringSize(1, s);
            }
            for (String s : outputs) {
                n += CodedOutputStream.computeStringSize(2, s);
            }
            for (Attribute a : attributes) {
                n += messageSize(5, a);
            }
            return n;
        }

        @Override
        public void write(CodedOutputStream out) throws IOException {
            for (String s : inputs) {
                out.writeString(1, s);
            }
            for (String s : outputs) {
                out.writeString(2, s);
            }
            writeString(out, 3, name);
            writeString(out, 4, opType);
            for (Attribute a : attributes) {
                writeMessage(out, 5, a);
            }
        }
    }

    /**
     * {@code ValueInfoProto} name (1), type (2) holding a {@code TypeProto.Tensor} (field 1) with elem_type (1) and
     * shape (2); each {@code TensorShapeProto.Dimension} (field 1) has dim_value (1) or dim_param (2).
     *
     * @param name the value's name
     * @param elemType one of this class's data type constants
     * @param dims each a {@link Long} (a fixed size) or a {@link String} (a symbolic size such as "batch")
     */
    public record ValueInfo(String name, int elemType, List<Object> dims) implements Message {
        private Message dimension(Object d) {
            return new Message() {
                @Override
                public long size() {
                    return d instanceof String s ? CodedOutputStream.computeStringSize(2, s)
                            : CodedOutputStream.computeInt64Size(1, (Long) d);
                }

                @Override
                public void write(CodedOutputStream out) throws IOException {
                    if (d instanceof String s) {
                        out.writeString(2, s);
                    } else {
                        out.writeInt64(1, (Long) d);
                    }
                }
            };
        }

        private Message shape() {
            return new Message() {
                @Override
                public long size() {
                    long n = 0;
                    for (Object d : dims) {
                        n += messageSize(1, dimension(d));
                    }
                    return n;
                }

                @Override
                public void write(CodedOutputStream out) throws IOException {
                    for (Object d : dims) {
                        writeMessage(out, 1, dimension(d));
                    }
                }
            };
        }

        private Message tensorType() {
            return new Message() {
                @Override
                public long size() {
                    return CodedOutputStream.computeInt32Size(1, elemType) + messageSize(2, shape());
                }

                @Override
                public void write(CodedOutputStream out) throws IOException {
                    out.writeInt32(1, elemType);
                    writeMessage(out, 2, shape());
                }
            };
        }

        private Message type() {
            return new Message() {
                @Override
                public long size() {
                    return messageSize(1, tensorType());
                }

                @Override
                public void write(CodedOutputStream out) throws IOException {
                    writeMessage(out, 1, tensorType());
                }
            };
        }

        @Override
        public long size() {
            return stringSize(1, name) + messageSize(2, type());
        }

        @Override
        public void write(CodedOutputStream out) throws IOException {
            writeString(out, 1, name);
            writeMessage(out, 2, type());
        }
    }

    /** {@code GraphProto}: node (1), name (2), initializer (5), input (11), output (12), value_info (13). */
    public record Graph(String name, List<Node> nodes, List<Tensor> initializers, List<ValueInfo> inputs,
            List<ValueInfo> outputs, List<ValueInfo> valueInfo) implements Message {
        @Override
        public long size() {
            long n = stringSize(2, name);
            for (Node x : nodes) {
                n += messageSize(1, x);
            }
            for (Tensor x : initializers) {
                n += messageSize(5, x);
            }
            for (ValueInfo x : inputs) {
                n += messageSize(11, x);
            }
            for (ValueInfo x : outputs) {
                n += messageSize(12, x);
            }
            for (ValueInfo x : valueInfo) {
                n += messageSize(13, x);
            }
            return n;
        }

        @Override
        public void write(CodedOutputStream out) throws IOException {
            for (Node x : nodes) {
                writeMessage(out, 1, x);
            }
            writeString(out, 2, name);
            for (Tensor x : initializers) {
                writeMessage(out, 5, x);
            }
            for (ValueInfo x : inputs) {
                writeMessage(out, 11, x);
            }
            for (ValueInfo x : outputs) {
                writeMessage(out, 12, x);
            }
            for (ValueInfo x : valueInfo) {
                writeMessage(out, 13, x);
            }
        }
    }

    /**
     * {@code ModelProto}: ir_version (1), producer_name (2), producer_version (3), graph (7), opset_import (8,
     * an {@code OperatorSetIdProto} with domain 1 and version 2), metadata_props (14, a
     * {@code StringStringEntryProto} with key 1 and value 2).
     *
     * @param opsets domain ("" for the default ONNX domain) to opset version
     * @param metadata key-value pairs the runtime exposes (ONNX Runtime: {@code getCustomMetadata})
     */
    public record Model(long irVersion, String producerName, String producerVersion, Map<String, Long> opsets,
            Graph graph, Map<String, String> metadata) implements Message {
        @Override
        public long size() {
            long n = CodedOutputStream.computeInt64Size(1, irVersion) + stringSize(2, producerName)
                    + stringSize(3, producerVersion) + messageSize(7, graph);
            for (Map.Entry<String, Long> e : opsets.entrySet()) {
                n += messageSize(8, pair(1, e.getKey(), 2, e.getValue()));
            }
            for (Map.Entry<String, String> e : metadata.entrySet()) {
                n += messageSize(14, pair(1, e.getKey(), 2, e.getValue()));
            }
            return n;
        }

        @Override
        public void write(CodedOutputStream out) throws IOException {
            out.writeInt64(1, irVersion);
            writeString(out, 2, producerName);
            writeString(out, 3, producerVersion);
            writeMessage(out, 7, graph);
            for (Map.Entry<String, Long> e : opsets.entrySet()) {
                writeMessage(out, 8, pair(1, e.getKey(), 2, e.getValue()));
            }
            for (Map.Entry<String, String> e : metadata.entrySet()) {
                writeMessage(out, 14, pair(1, e.getKey(), 2, e.getValue()));
            }
        }

        /** Writes the model as a {@code .onnx} file's bytes. */
        public void writeTo(OutputStream stream) throws IOException {
            sizeInt(size());
            CodedOutputStream out = CodedOutputStream.newInstance(stream, 1 << 16);
            write(out);
            out.flush();
        }

        /** @return the model's bytes (for small models and tests) */
        public byte[] toBytes() {
            byte[] bytes = new byte[sizeInt(size())];
            CodedOutputStream out = CodedOutputStream.newInstance(bytes);
            try {
                write(out);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            out.checkNoSpaceLeft();
            return bytes;
        }
    }
}
