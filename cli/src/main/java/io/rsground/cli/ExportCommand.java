package io.rsground.cli;

import io.rsground.infer.LoadedModel;
import io.rsground.infer.onnx.ExternalData;
import io.rsground.infer.onnx.OnnxExporter;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code rsground export}: the model as a file another runtime runs. */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = {"Export a model (any weights predict accepts) for another runtime.",
                "--format onnx writes one ONNX file (opset 17) computing the whole CLIP-VG pass: inputs images "
                        + "[B,3,S,S] float32, pixel_masks [B,S,S] uint8 (1 = padding), tokens [B,L] int64, "
                        + "text_masks [B,L] int64 (1 = real token); outputs pred_boxes [B,4] (cx,cy,w,h normalised "
                        + "to the padded square) and, with a presence head, scores [B]. The tokenizer's files go "
                        + "to the folder NAME-tokenizer beside it; the weights to NAME.onnx.data beside it for a "
                        + "model over 2 GB or with --external-data. --int8 quantizes the linear maps. "
                        + "See docs/onnx.md."},
        footer = {"  ./rsground export --weights runs/a/best_checkpoint --format onnx \\",
            "      --out model.onnx --int8"})
final class ExportCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ModelOptions model;

    @Option(names = "--format", defaultValue = "onnx", paramLabel = "FORMAT",
            description = "what to write: onnx")
    String format;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "the model file to write, e.g. "
            + "model.onnx")
    Path out;

    @Option(names = "--overwrite", description = "replace an existing model file and its tokenizer folder")
    boolean overwrite;

    @Option(names = "--external-data", description = "write the weights to the side file FILE.data beside the "
            + "model (ONNX's external data) even when the model fits one file; a model over 2 GB always gets one")
    boolean externalData;

    @Option(names = "--int8", description = "store the towers' and the fusion encoder's linear maps in int8 "
            + "(weights quantized ahead, activations per call): a smaller, faster file whose boxes move by about "
            + "1e-3 of the image side")
    boolean int8;

    @Option(names = "--int8-scales", defaultValue = "channel", paramLabel = "channel|tensor",
            description = "with --int8: one weight scale per output channel or per matrix ")
    String int8Scales;

    @Override
    public Integer call() throws Exception {
        if (!"onnx".equals(format.toLowerCase(Locale.ROOT))) {
            throw new Errors.BadInputException("unknown --format '" + format + "'; known: onnx");
        }
        if (Files.isDirectory(out)) {
            throw new Errors.BadInputException(out + " is a folder: give --out the model file to write, e.g. "
                    + out.resolve("model.onnx"));
        }
        Path tokenizerDir = out.toAbsolutePath().resolveSibling(OnnxExporter.tokenizerDirName(out));
        Path side = ExternalData.sideFile(out);
        for (Path p : new Path[] {out, side, tokenizerDir}) {
            // checked before the weights load, which can take a while
            if (Files.exists(p) && !overwrite) {
                throw new Errors.BadInputException(p + " exists; give --overwrite to replace it");
            }
        }
        OnnxExporter.Precision precision = precision();
        PrintWriter stdout = spec.commandLine().getOut();
        try (LoadedModel loaded = model.load()) {
            long start = System.nanoTime();
            Path file = OnnxExporter.export(loaded, out, overwrite, precision,
                    externalData ? ExternalData.Mode.ALWAYS : ExternalData.Mode.AUTO);
            String weights = Files.exists(side) ? String.format(Locale.ROOT, ", weights in %s (%.1f MB)", side,
                    Files.size(side) / 1e6) : "";
            stdout.printf(Locale.ROOT, "wrote %s (%.1f MB, %s, %s in %.1f s%s) and its tokenizer in %s%n", file,
                    Files.size(file) / 1e6, precision.name().toLowerCase(Locale.ROOT),
                    loaded.model().config().presenceHead() ? "boxes and scores" : "boxes",
                    (System.nanoTime() - start) / 1e9, weights, tokenizerDir);
        }
        return Errors.OK;
    }

    private OnnxExporter.Precision precision() {
        String scales = int8Scales.toLowerCase(Locale.ROOT);
        if (!scales.equals("channel") && !scales.equals("tensor")) {
            throw new Errors.BadInputException("unknown --int8-scales '" + int8Scales
                    + "'; known: channel, tensor");
        }
        if (!int8) {
            return OnnxExporter.Precision.FLOAT32;
        }
        return scales.equals("channel") ? OnnxExporter.Precision.INT8_PER_CHANNEL
                : OnnxExporter.Precision.INT8_PER_TENSOR;
    }
}
