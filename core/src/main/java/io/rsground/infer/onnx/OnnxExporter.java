package io.rsground.infer.onnx;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import io.rsground.config.ModelConfig;
import io.rsground.config.ModelConfigs;
import io.rsground.infer.LoadedModel;
import io.rsground.text.ClipBpeTokenizer;
import io.rsground.text.Tokenizer;
import io.rsground.weights.RsgroundCheckpoint;
import io.rsground.weights.Version;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes a loaded CLIP-VG model as one ONNX file (opset {@value GraphBuilder#OPSET}) that computes what
 * {@code ClipVgModel.forward} computes, with the tokenizer's files beside it.
 *
 * <p>The graph's interface (B and L are dynamic; S is the model's image size):
 * <ul>
 * <li>{@code images} float32 [B, 3, S, S]: the image resized so that its long side is S (PIL bilinear),
 *     normalised with the ImageNet mean and std, pasted centred into a zero S x S canvas ({@code EvalTransform});
 *     or [1, 3, S, S]: one image that all B query rows ask about, encoded once</li>
 * <li>{@code pixel_masks} uint8 [B, S, S] (or [1, S, S] with one image): nonzero on the padding, 0 on the image</li>
 * <li>{@code tokens} int64 [B, L]: SOT, ids, EOT, zero padded; L at most max_query_len</li>
 * <li>{@code text_masks} int64 [B, L]: {@code tokens > 0}, the reference's text mask (1 on tokens, 0 on padding),
 *     the fusion encoder's key-padding mask of the text</li>
 * <li>output {@code pred_boxes} float32 [B, 4]: cx, cy, w, h normalised to the padded square, in (0, 1)</li>
 * <li>output {@code scores} float32 [B], only for models with a presence head: the probability (sigmoid of the
 *     head's logit) that the referred object is in the image</li>
 * </ul>
 * Metadata properties ({@link #metadata}) carry the model config JSON, the tokenizer, the image size.
 */
public final class OnnxExporter {
    /** Input name: normalised padded images. */
    public static final String IMAGES = "images";
    /** Input name: pixel masks, nonzero on padding. */
    public static final String PIXEL_MASKS = "pixel_masks";
    /** Input name: token ids. */
    public static final String TOKENS = "tokens";
    /** Input name: text masks, 1 on real tokens. */
    public static final String TEXT_MASKS = "text_masks";
    /** Output name: boxes. */
    public static final String PRED_BOXES = "pred_boxes";
    /** Output name: presence scores (models with a presence head only). */
    public static final String SCORES = "scores";
    /** Metadata key: the model config JSON ({@code ModelConfigs} schema). */
    public static final String META_MODEL_CONFIG = "model_config";
    /** Metadata key: the tokenizer kind ({@code clip-bpe} or {@code word}). */
    public static final String META_TOKENIZER_KIND = "tokenizer_kind";
    /** Metadata key: the tokenizer description JSON; a word tokenizer's holds its whole vocabulary. */
    public static final String META_TOKENIZER_SPEC = "tokenizer_spec";
    /** Metadata key: the tokenizer folder's name, beside the model file. */
    public static final String META_TOKENIZER_DIR = "tokenizer_dir";
    /** Metadata key: S, the side of the square input. */
    public static final String META_IMAGE_SIZE = "image_size";
    /** Metadata key: the longest token row the model takes. */
    public static final String META_MAX_QUERY_LEN = "max_query_len";
    /** Metadata key: the side of the images the model was trained on, in pixels (the window of tiled grounding). */
    public static final String META_TRAINING_SCALE = "training_scale_px";
    /** Metadata key: the architecture's name (preset, model-config file or "checkpoint"). */
    public static final String META_ARCHITECTURE = "architecture";
    /** Metadata key: the model's parameter count. */
    public static final String META_PARAMETERS = "parameters";
    /** Metadata key: how the weights are stored ({@link Precision}, lower case). */
    public static final String META_PRECISION = "precision";

    /** How the linear maps' weights are stored and computed. */
    public enum Precision {
        /** float32, as the model computes: the exported graph equals the model. */
        FLOAT32,
        /**
         * The towers' and the fusion encoder's linear maps in int8: weights quantized symmetrically with one scale
         * per output channel, activations quantized per call ({@code DynamicQuantizeLinear} + {@code
         * MatMulInteger}); embeddings, convolutions, layer norms and the heads stay float32.
         */
        INT8_PER_CHANNEL,
        /** As {@link #INT8_PER_CHANNEL} with one scale per weight matrix. */
        INT8_PER_TENSOR
    }

    /** ONNX IR version 8, the one that goes with opset 17. */
    static final long IR_VERSION = 8;

    private OnnxExporter() {
    }

    /**
     * @param loaded a model, its tokenizer and provenance
     * @param tokenizerDir the tokenizer folder's name recorded in the metadata
     * @param precision float32, or which int8 quantization
     * @return the ONNX model in memory (weights included)
     */
    public static OnnxProto.Model build(LoadedModel loaded, String tokenizerDir, Precision precision) {
        return model(new ClipVgGraph(loaded.model().config(), weights(loaded), precision).build(), loaded,
                tokenizerDir, precision);
    }

    /**
     * The model of {@link #build} cut where the image tower ends, for engines that keep image features between
     * calls: an image tower model (images, pixel_masks -> visual_features [IB, 1 + P, H], patch_masks [IB, P]) and
     * a query model (visual_features, patch_masks, tokens, text_masks -> pred_boxes, scores). Run one after the
     * other they compute what the whole model computes; each holds only its own weights.
     *
     * @return the image tower model, then the query model, both carrying the whole model's metadata
     */
    static OnnxProto.Model[] buildSplit(LoadedModel loaded, String tokenizerDir, Precision precision) {
        ModelConfig config = loaded.model().config();
        OnnxLayers.Weights weights = weights(loaded);
        return new OnnxProto.Model[] {
            model(new ClipVgGraph(config, weights, precision).imageTowerGraph(), loaded, tokenizerDir, precision),
            model(new ClipVgGraph(config, weights, precision).queryGraph(), loaded, tokenizerDir, precision)};
    }

    private static OnnxProto.Model model(OnnxProto.Graph graph, LoadedModel loaded, String tokenizerDir,
            Precision precision) {
        Map<String, String> metadata = metadata(loaded, tokenizerDir);
        metadata.put(META_PRECISION, precision.name().toLowerCase(java.util.Locale.ROOT));
        return new OnnxProto.Model(IR_VERSION, "rsground", Version.get(), Map.of("", GraphBuilder.OPSET), graph,
                metadata);
    }

    /** @return the model's parameters as the graph builder reads them (float32 host copies) */
    private static OnnxLayers.Weights weights(LoadedModel loaded) {
        Map<String, Parameter> params = loaded.model().namedParameters();
        return new OnnxLayers.Weights() {
            private NDArray array(String name) {
                Parameter p = params.get(name);
                if (p == null || !p.isInitialized()) {
                    throw new IllegalStateException("the model has no initialised parameter " + name);
                }
                return p.getArray();
            }

            @Override
            public long[] shape(String name) {
                return array(name).getShape().getShape();
            }

            @Override
            public float[] values(String name) {
                NDArray a = array(name);
                return a.getDataType() == DataType.FLOAT32 ? a.toFloatArray()
                        : a.toType(DataType.FLOAT32, false).toFloatArray();
            }
        };
    }

    /**
     * @param loaded the model
     * @param tokenizerDir the tokenizer folder's name beside the model file
     * @return the metadata properties written into the file
     */
    static Map<String, String> metadata(LoadedModel loaded, String tokenizerDir) {
        ModelConfig config = loaded.model().config();
        Tokenizer tokenizer = loaded.tokenizer();
        Map<String, String> m = new LinkedHashMap<>();
        m.put(META_MODEL_CONFIG, ModelConfigs.toJson(config));
        m.put(META_TOKENIZER_KIND, tokenizer.describe().kind());
        m.put(META_TOKENIZER_SPEC, tokenizer.describe().toJson());
        m.put(META_TOKENIZER_DIR, tokenizerDir);
        m.put(META_IMAGE_SIZE, Integer.toString(config.vision().imageSize()));
        m.put(META_MAX_QUERY_LEN, Integer.toString(config.maxQueryLen()));
        m.put(META_TRAINING_SCALE, Integer.toString(loaded.trainingScale()));
        m.put("presence_head", Boolean.toString(config.presenceHead()));
        m.put("source", loaded.source());
        m.put(META_ARCHITECTURE, loaded.architecture());
        m.put(META_PARAMETERS, Long.toString(loaded.model().parameterCount()));
        m.put("preprocessing", "resize the long side to image_size (bilinear), divide by 255, normalise with "
                + "ImageNet mean (0.485, 0.456, 0.406) and std (0.229, 0.224, 0.225), paste centred into a zero "
                + "square (top = round(dh / 2 - 0.1), left = round(dw / 2 - 0.1)); pixel_masks 1 on the padding");
        return m;
    }

    /** @return the tokenizer folder's name for a model file: {@code model.onnx} -> {@code model-tokenizer} */
    public static String tokenizerDirName(Path modelFile) {
        String name = modelFile.getFileName().toString();
        return (name.endsWith(".onnx") ? name.substring(0, name.length() - 5) : name) + "-tokenizer";
    }

    /**
     * Writes the model to {@code out} (atomically) and its tokenizer to the folder {@link #tokenizerDirName} beside
     * it: {@code tokenizer.json} and, for CLIP BPE, the vocabulary files it names.
     *
     * @param overwrite replace an existing model file and tokenizer folder
     * @return the file written
     * @throws FileAlreadyExistsException when {@code out} or its tokenizer folder exists and overwrite is false
     */
    public static Path export(LoadedModel loaded, Path out, boolean overwrite) throws IOException {
        return export(loaded, out, overwrite, Precision.FLOAT32);
    }

    /**
     * As {@link #export(LoadedModel, Path, boolean)}, with the linear maps' weights stored as {@code precision}
     * says; the weights go to a side file when the model would exceed a single file's limit.
     */
    public static Path export(LoadedModel loaded, Path out, boolean overwrite, Precision precision)
            throws IOException {
        return export(loaded, out, overwrite, precision, ExternalData.Mode.AUTO);
    }

    /**
     * Writes the model to {@code out} and its tokenizer to the folder {@link #tokenizerDirName} beside it; the
     * weights go to the side file {@link ExternalData#sideFileName} ({@code model.onnx.data}) beside it when
     * {@code weights} is ALWAYS or the model exceeds {@link ExternalData#SINGLE_FILE_LIMIT}. Each file is written
     * under a temporary name and moved into place, so a failed export leaves nothing half-written.
     *
     * @param overwrite replace an existing model file, side file and tokenizer folder (a side file left by an
     *     earlier export of the same name is removed when the new model needs none)
     * @return the model file written
     * @throws FileAlreadyExistsException when {@code out}, its side file or its tokenizer folder exists and overwrite
     *     is false
     */
    public static Path export(LoadedModel loaded, Path out, boolean overwrite, Precision precision,
            ExternalData.Mode weights) throws IOException {
        Path file = out.toAbsolutePath();
        Path tokDir = file.resolveSibling(tokenizerDirName(file));
        Path side = ExternalData.sideFile(file);
        for (Path p : new Path[] {file, side, tokDir}) {
            if (Files.exists(p) && !overwrite) {
                throw new FileAlreadyExistsException(p.toString(), null, "exists; give --overwrite to replace it");
            }
        }
        Files.createDirectories(file.getParent());
        OnnxProto.Model model = build(loaded, tokDir.getFileName().toString(), precision);
        Path tmp = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".tmp");
        Path sideTmp = Files.createTempFile(file.getParent(), side.getFileName().toString(), ".tmp");
        try {
            shareable(tmp);
            shareable(sideTmp);
            boolean external = ExternalData.write(model, tmp, sideTmp, side.getFileName().toString(), weights);
            writeTokenizer(loaded.tokenizer(), tokDir);
            if (external) {
                Files.move(sideTmp, side, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } else {
                Files.deleteIfExists(side); // reached only with overwrite: the replaced model's weights
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
            Files.deleteIfExists(sideTmp);
        }
        return file;
    }

    /** Temporary files are private; a model file is shared like any other output. */
    private static void shareable(Path file) throws IOException {
        if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        }
    }

    private static void writeTokenizer(Tokenizer tokenizer, Path dir) throws IOException {
        RsgroundCheckpoint.deleteTree(dir);
        Files.createDirectories(dir);
        if (tokenizer instanceof ClipBpeTokenizer clip) {
            for (Path source : clip.sourceFiles()) {
                Files.copy(source, dir.resolve(source.getFileName().toString()));
            }
        }
        tokenizer.describe().write(dir.resolve("tokenizer.json"));
    }
}
