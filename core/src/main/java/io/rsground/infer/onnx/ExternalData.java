package io.rsground.infer.onnx;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * ONNX's external data format, for models a single protobuf message cannot hold (2 GB): the large initializers'
 * bytes go to a side file beside the model ({@code model.onnx.data}), each at an offset aligned to
 * {@value #ALIGNMENT} bytes, little-endian as raw_data would hold them; the model file keeps their names, shapes
 * and types and points at the bytes with {@code external_data} entries {@code location} (the side file's name,
 * relative to the model's folder), {@code offset} and {@code length}. ONNX Runtime resolves the location against
 * the model file's folder, so a model with a side file must be opened from its path, and the two files moved
 * together.
 */
public final class ExternalData {
    /**
     * The largest graph written as one file: protobuf's 2 GB limit less 64 MB for what the graph's size leaves out
     * (the model's metadata and framing).
     */
    public static final long SINGLE_FILE_LIMIT = Integer.MAX_VALUE - (64L << 20);
    /** Offsets in the side file are multiples of a page, as onnx.proto recommends so that a runtime can map it. */
    static final int ALIGNMENT = 4096;
    /** Tensors smaller than this (reshape targets, scalars) stay in the model file, as ONNX's own tools keep them. */
    static final int MIN_EXTERNAL_BYTES = 1024;

    /** Where an export puts the weights. */
    public enum Mode {
        /** In the model file, unless the model would exceed {@link #SINGLE_FILE_LIMIT}. */
        AUTO,
        /** Always in the side file. */
        ALWAYS
    }

    private ExternalData() {
    }

    /** @return the side file's name for a model file: {@code model.onnx} -> {@code model.onnx.data} */
    public static String sideFileName(Path modelFile) {
        return modelFile.getFileName().toString() + ".data";
    }

    /** @return the side file beside a model file */
    public static Path sideFile(Path modelFile) {
        return modelFile.toAbsolutePath().resolveSibling(sideFileName(modelFile));
    }

    /**
     * @param graphBytes the encoded size of the model's graph, weights included ({@code Graph.size()})
     * @param mode what the caller asked for
     * @return whether the weights go to a side file
     */
    public static boolean needsSideFile(long graphBytes, Mode mode) {
        return mode == Mode.ALWAYS || graphBytes > SINGLE_FILE_LIMIT;
    }

    /**
     * Writes {@code model} to {@code file}: as one file, or with its large initializers' bytes in the side file
     * {@link #sideFile} beside it as {@link #needsSideFile} decides (replacing what is there).
     *
     * @return whether a side file was written
     */
    public static boolean write(OnnxProto.Model model, Path file, Mode mode) throws IOException {
        return write(model, file, sideFile(file), sideFileName(file), mode);
    }

    /**
     * Writes {@code model} to {@code modelOut}: as one file, or with its large initializers' bytes in {@code sideOut}
     * as {@link #needsSideFile} decides.
     *
     * @param sideOut where the side file's bytes go (possibly a temporary name)
     * @param location the side file's final name, relative to the model file's folder, recorded in the model
     * @return whether a side file was written
     */
    static boolean write(OnnxProto.Model model, Path modelOut, Path sideOut, String location, Mode mode)
            throws IOException {
        OnnxProto.Model toWrite = model;
        boolean external = needsSideFile(model.graph().size(), mode);
        if (external) {
            toWrite = writeSideFile(model, sideOut, location);
        }
        try (OutputStream stream = Files.newOutputStream(modelOut)) {
            toWrite.writeTo(stream);
        }
        return external;
    }

    /**
     * Writes the bytes of the initializers of at least {@value #MIN_EXTERNAL_BYTES} bytes to {@code sideOut}, each
     * at the next multiple of {@value #ALIGNMENT}, the padding zeros.
     *
     * @return the model with those initializers pointing into the side file instead of holding their bytes
     */
    static OnnxProto.Model writeSideFile(OnnxProto.Model model, Path sideOut, String location) throws IOException {
        OnnxProto.Graph graph = model.graph();
        List<OnnxProto.Tensor> moved = new ArrayList<>(graph.initializers().size());
        try (FileChannel channel = FileChannel.open(sideOut, StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            long offset = 0;
            for (OnnxProto.Tensor t : graph.initializers()) {
                if (t.raw() == null || t.raw().remaining() < MIN_EXTERNAL_BYTES) {
                    moved.add(t);
                    continue;
                }
                offset = align(offset);
                ByteBuffer bytes = t.raw().duplicate();
                long length = bytes.remaining();
                long at = offset;
                while (bytes.hasRemaining()) {
                    at += channel.write(bytes, at);
                }
                moved.add(t.movedTo(new OnnxProto.ExternalLocation(location, offset, length)));
                offset += length;
            }
        }
        OnnxProto.Graph external = new OnnxProto.Graph(graph.name(), graph.nodes(), moved, graph.inputs(),
                graph.outputs(), graph.valueInfo());
        return new OnnxProto.Model(model.irVersion(), model.producerName(), model.producerVersion(), model.opsets(),
                external, model.metadata());
    }

    /** @return the smallest multiple of {@value #ALIGNMENT} at or after {@code offset} */
    static long align(long offset) {
        return (offset + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
    }
}
