package io.rsground.weights;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads and writes the safetensors format: an 8-byte little-endian header length, a JSON header mapping
 * tensor names to {@code dtype}, {@code shape} and {@code data_offsets} (relative to the data section) plus an
 * optional {@code __metadata__} string map, then the little-endian tensor bytes.
 *
 * <p>Reading validates the whole header against the file size before allocating any tensor: offsets inside
 * the data section, byte lengths matching shape and dtype, no overlaps or gaps, the data section fully
 * covered, element counts that fit a Java array. Floating types become float32, integral and boolean types
 * int64 (see {@link Dtype}).
 */
public final class SafeTensors {

    /** Largest header accepted, as in the reference implementation (100 MB). */
    public static final long MAX_HEADER_BYTES = 100_000_000L;

    private static final String METADATA_KEY = "__metadata__";

    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private SafeTensors() {
    }

    /**
     * One tensor's entry in the header.
     *
     * @param name the tensor key
     * @param dtype the stored element type
     * @param shape row-major shape; empty for a scalar
     * @param begin first byte of the tensor, relative to the data section
     * @param end one past its last byte, relative to the data section
     */
    public record TensorInfo(String name, Dtype dtype, long[] shape, long begin, long end) {

        /** Copies the shape so that the record stays immutable. */
        public TensorInfo {
            shape = shape.clone();
        }

        /** @return the shape (a copy) */
        @Override
        public long[] shape() {
            return shape.clone();
        }

        /** @return the number of elements (1 for a scalar) */
        public long numel() {
            return HostTensor.numel(shape);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof TensorInfo t && name.equals(t.name) && dtype == t.dtype
                    && Arrays.equals(shape, t.shape) && begin == t.begin && end == t.end;
        }

        @Override
        public int hashCode() {
            return (name.hashCode() * 31 + Arrays.hashCode(shape)) * 31 + Long.hashCode(begin);
        }

        @Override
        public String toString() {
            return name + " " + dtype + Arrays.toString(shape) + " [" + begin + ", " + end + ")";
        }
    }

    /**
     * A validated header.
     *
     * @param tensors the tensors in header order (unmodifiable)
     * @param metadata the {@code __metadata__} map, empty when absent (unmodifiable)
     * @param dataStart absolute file offset of the data section (8 + header length)
     * @param dataLength length of the data section in bytes
     */
    public record Header(Map<String, TensorInfo> tensors, Map<String, String> metadata, long dataStart,
            long dataLength) {

        /** Wraps the maps unmodifiable. */
        public Header {
            tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
            metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
        }
    }

    /**
     * Reads and validates the header without reading tensor data.
     *
     * @param file a safetensors file
     * @return names, dtypes, shapes, offsets and metadata
     * @throws WeightFileException when the file is not a valid safetensors file
     * @throws IOException when the file cannot be read
     */
    public static Header readHeader(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            return readHeader(file, channel);
        }
    }

    /**
     * Reads every tensor.
     *
     * @param file a safetensors file
     * @return tensors by name in header order; F32/F16/BF16/F64 as float32, I64/I32/I16/I8/U8/BOOL as int64
     * @throws WeightFileException when the file is not a valid safetensors file
     * @throws IOException when the file cannot be read
     */
    public static LinkedHashMap<String, HostTensor> read(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            Header header = readHeader(file, channel);
            ElementReader reader = new ElementReader();
            LinkedHashMap<String, HostTensor> tensors = new LinkedHashMap<>();
            for (TensorInfo info : header.tensors().values()) {
                channel.position(header.dataStart() + info.begin());
                Object values;
                try {
                    values = reader.read(channel, info.dtype(), ByteOrder.LITTLE_ENDIAN, (int) info.numel());
                } catch (EOFException e) {
                    throw new WeightFileException(file, tensorAt(info.name()),
                            "file ended while reading (was it truncated while being read?): " + e.getMessage(), e);
                }
                tensors.put(info.name(), values instanceof float[] f
                        ? HostTensor.ofFloats(info.shape(), f)
                        : HostTensor.ofLongs(info.shape(), (long[]) values));
            }
            return tensors;
        }
    }

    /**
     * Writes tensors in sorted key order, float tensors as F32 and integral ones as I64, the JSON header
     * padded with spaces to a multiple of 8 bytes. The file is written beside the target and then moved into
     * place, so a failed write leaves no partial file under {@code file}.
     *
     * @param file the file to (re)write
     * @param tensors tensors by name; names must be non-empty and not {@code __metadata__}
     * @param metadata string pairs stored under {@code __metadata__}; omitted when empty
     * @throws IOException when writing fails
     */
    public static void write(Path file, Map<String, HostTensor> tensors, Map<String, String> metadata)
            throws IOException {
        TreeMap<String, HostTensor> sorted = new TreeMap<>();
        for (Map.Entry<String, HostTensor> e : tensors.entrySet()) {
            String name = e.getKey();
            if (name == null || name.isEmpty() || name.equals(METADATA_KEY)) {
                throw new IllegalArgumentException("invalid tensor name '" + name + "' for " + file);
            }
            if (e.getValue() == null) {
                throw new IllegalArgumentException("tensor '" + name + "' is null");
            }
            sorted.put(name, e.getValue());
        }
        byte[] header = headerBytes(sorted, metadata);

        Path parent = file.toAbsolutePath().getParent();
        // a sibling with default permissions (createTempFile would make it owner-only)
        Path temp = parent.resolve(file.getFileName() + "." + Long.toHexString(System.nanoTime()) + ".tmp");
        try {
            try (FileChannel out = FileChannel.open(temp, StandardOpenOption.WRITE,
                    StandardOpenOption.CREATE_NEW)) {
                ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
                buffer.putLong(header.length);
                writeFully(out, buffer.flip());
                writeFully(out, ByteBuffer.wrap(header));
                for (HostTensor t : sorted.values()) {
                    writeValues(out, buffer, t);
                }
                out.force(false);
            }
            try {
                Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    private static byte[] headerBytes(TreeMap<String, HostTensor> sorted, Map<String, String> metadata)
            throws JsonProcessingException {
        ObjectNode root = JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode meta = root.putObject(METADATA_KEY);
            new TreeMap<>(metadata).forEach((k, v) -> {
                if (v == null) {
                    throw new IllegalArgumentException("metadata value for '" + k + "' is null");
                }
                meta.put(k, v);
            });
        }
        long offset = 0;
        for (Map.Entry<String, HostTensor> e : sorted.entrySet()) {
            HostTensor t = e.getValue();
            long bytes = t.numel() * (t.isFloat() ? 4 : 8);
            ObjectNode entry = root.putObject(e.getKey());
            entry.put("dtype", t.isFloat() ? "F32" : "I64");
            ArrayNode shape = entry.putArray("shape");
            for (long d : t.shape()) {
                shape.add(d);
            }
            entry.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] json = JSON.writeValueAsBytes(root);
        int padded = (json.length + 7) / 8 * 8;
        byte[] header = Arrays.copyOf(json, padded);
        Arrays.fill(header, json.length, padded, (byte) ' ');
        return header;
    }

    private static void writeValues(FileChannel out, ByteBuffer buffer, HostTensor t) throws IOException {
        int elementBytes = t.isFloat() ? 4 : 8;
        int perChunk = buffer.capacity() / elementBytes;
        int n = (int) t.numel();
        for (int start = 0; start < n; start += perChunk) {
            int count = Math.min(perChunk, n - start);
            buffer.clear();
            if (t.isFloat()) {
                buffer.asFloatBuffer().put(t.floats(), start, count);
            } else {
                buffer.asLongBuffer().put(t.longs(), start, count);
            }
            buffer.limit(count * elementBytes);
            writeFully(out, buffer);
        }
    }

    private static void writeFully(FileChannel out, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            out.write(buffer);
        }
    }

    private static Header readHeader(Path file, FileChannel channel) throws IOException {
        long fileSize = channel.size();
        if (fileSize < 8) {
            throw new WeightFileException(file, null, "file has " + fileSize
                    + " bytes; a safetensors file starts with an 8-byte header length");
        }
        ByteBuffer prefix = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(file, channel, prefix, 0);
        long headerLength = prefix.getLong(0);
        if (headerLength < 0 || headerLength > MAX_HEADER_BYTES) {
            throw new WeightFileException(file, "header length", "expected 0.." + MAX_HEADER_BYTES
                    + " bytes but found " + Long.toUnsignedString(headerLength) + " (not a safetensors file?)");
        }
        if (headerLength > fileSize - 8) {
            throw new WeightFileException(file, "header length", "header claims " + headerLength
                    + " bytes but only " + (fileSize - 8) + " follow the 8-byte prefix (truncated or not safetensors)");
        }
        ByteBuffer headerBytes = ByteBuffer.allocate((int) headerLength);
        readFully(file, channel, headerBytes, 8);
        JsonNode root;
        try {
            root = JSON.readTree(headerBytes.array());
        } catch (JsonProcessingException e) {
            throw new WeightFileException(file, "header", "expected a JSON object but the header does not parse: "
                    + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new WeightFileException(file, "header", "expected a JSON object but found "
                    + (root == null ? "nothing" : root.getNodeType().toString().toLowerCase()));
        }
        long dataStart = 8 + headerLength;
        long dataLength = fileSize - dataStart;

        Map<String, String> metadata = new LinkedHashMap<>();
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> field : root.properties()) {
            if (field.getKey().equals(METADATA_KEY)) {
                readMetadata(file, field.getValue(), metadata);
            } else {
                TensorInfo info = readTensorInfo(file, field.getKey(), field.getValue(), dataLength);
                tensors.put(info.name(), info);
            }
        }
        checkLayout(file, tensors, dataLength);
        return new Header(tensors, metadata, dataStart, dataLength);
    }

    private static void readMetadata(Path file, JsonNode node, Map<String, String> metadata)
            throws WeightFileException {
        if (node.isNull()) {
            return;
        }
        if (!node.isObject()) {
            throw new WeightFileException(file, METADATA_KEY, "expected an object of strings but found "
                    + node.getNodeType().toString().toLowerCase());
        }
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            if (!e.getValue().isTextual()) {
                throw new WeightFileException(file, METADATA_KEY + "." + e.getKey(),
                        "expected a string but found " + e.getValue());
            }
            metadata.put(e.getKey(), e.getValue().textValue());
        }
    }

    private static TensorInfo readTensorInfo(Path file, String name, JsonNode node, long dataLength)
            throws WeightFileException {
        String where = tensorAt(name);
        if (!node.isObject()) {
            throw new WeightFileException(file, where, "expected an object with dtype, shape and data_offsets "
                    + "but found " + node);
        }
        JsonNode dtypeNode = node.get("dtype");
        if (dtypeNode == null || !dtypeNode.isTextual()) {
            throw new WeightFileException(file, where, "expected a string 'dtype' but found " + dtypeNode);
        }
        Dtype dtype = Dtype.fromSafetensorsName(dtypeNode.textValue()).orElseThrow(() -> new WeightFileException(
                file, where, "unsupported dtype '" + dtypeNode.textValue() + "'; supported: "
                        + Dtype.supportedNames()));
        long[] shape = nonNegativeLongs(file, where, "shape", node.get("shape"), -1);
        long[] offsets = nonNegativeLongs(file, where, "data_offsets", node.get("data_offsets"), 2);
        long numel;
        try {
            numel = HostTensor.numel(shape);
        } catch (ArithmeticException e) {
            throw new WeightFileException(file, where, "shape " + Arrays.toString(shape)
                    + " overflows a 64-bit element count");
        }
        if (numel > ElementReader.MAX_ELEMENTS) {
            throw new WeightFileException(file, where, "shape " + Arrays.toString(shape) + " holds " + numel
                    + " elements; a Java array holds at most " + ElementReader.MAX_ELEMENTS);
        }
        long begin = offsets[0];
        long end = offsets[1];
        if (end < begin) {
            throw new WeightFileException(file, where, "data_offsets [" + begin + ", " + end
                    + "] end before they begin");
        }
        long expectedBytes = numel * dtype.byteSize();
        if (end - begin != expectedBytes) {
            throw new WeightFileException(file, where, "expected " + expectedBytes + " bytes (" + numel + " x "
                    + dtype + ", shape " + Arrays.toString(shape) + ") but data_offsets [" + begin + ", " + end
                    + "] span " + (end - begin));
        }
        if (end > dataLength) {
            throw new WeightFileException(file, where, "data_offsets [" + begin + ", " + end
                    + "] reach past the data section, which has " + dataLength + " bytes (truncated file?)");
        }
        return new TensorInfo(name, dtype, shape, begin, end);
    }

    private static long[] nonNegativeLongs(Path file, String where, String field, JsonNode node, int length)
            throws WeightFileException {
        String expected = length < 0 ? "an array of non-negative integers"
                : "an array of " + length + " non-negative integers";
        if (node == null || !node.isArray() || (length >= 0 && node.size() != length)) {
            throw new WeightFileException(file, where, "expected '" + field + "' to be " + expected
                    + " but found " + node);
        }
        long[] values = new long[node.size()];
        for (int i = 0; i < values.length; i++) {
            JsonNode v = node.get(i);
            if (!v.isIntegralNumber() || !v.canConvertToLong() || v.longValue() < 0) {
                throw new WeightFileException(file, where, "expected '" + field + "' to be " + expected
                        + " but found " + node);
            }
            values[i] = v.longValue();
        }
        return values;
    }

    /** Tensors must tile the data section exactly, as the reference implementation requires. */
    private static void checkLayout(Path file, Map<String, TensorInfo> tensors, long dataLength)
            throws WeightFileException {
        List<TensorInfo> byOffset = new ArrayList<>(tensors.values());
        byOffset.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        long covered = 0;
        TensorInfo previous = null;
        for (TensorInfo t : byOffset) {
            if (t.begin() < covered) {
                throw new WeightFileException(file, tensorAt(t.name()), "bytes [" + t.begin() + ", " + t.end()
                        + ") overlap tensor '" + previous.name() + "' at [" + previous.begin() + ", "
                        + previous.end() + ")");
            }
            if (t.begin() > covered) {
                throw new WeightFileException(file, tensorAt(t.name()), "expected data to start at byte "
                        + covered + " (right after the previous tensor) but it starts at " + t.begin());
            }
            covered = t.end();
            previous = t;
        }
        if (covered != dataLength) {
            throw new WeightFileException(file, "data section", "tensors cover " + covered
                    + " bytes but the data section has " + dataLength);
        }
    }

    private static void readFully(Path file, FileChannel channel, ByteBuffer dst, long position)
            throws IOException {
        while (dst.hasRemaining()) {
            int n = channel.read(dst, position + dst.position());
            if (n < 0) {
                throw new WeightFileException(file, null, "file ended at byte " + (position + dst.position())
                        + " while reading " + dst.capacity() + " bytes from " + position);
            }
        }
    }

    private static String tensorAt(String name) {
        return "tensor '" + name + "'";
    }
}
