package io.rsground.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.rsground.config.ModelConfigs;
import io.rsground.infer.onnx.OnnxPredictor;
import io.rsground.testing.Tensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExportCommandTest {

    private static String[] export(Path out, String... more) {
        String[] head = {"export", "--weights", CliRunner.tiny("checkpoint.pth").toString(), "--model-config",
                CliRunner.tiny("model.json").toString(), "--bpe",
                CliRunner.shared().resolve("clip/bpe_simple_vocab_16e6.txt.gz").toString(), "--out", out.toString()};
        String[] all = new String[head.length + more.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(more, 0, all, head.length, more.length);
        return all;
    }

    @Test
    void writesAModelThatGivesTheReferenceBoxes(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("tiny.onnx");
        CliRunner.Result r = CliRunner.run(export(out, "--format", "onnx"));
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("wrote").contains("tiny.onnx").contains("tiny-tokenizer");
        assertThat(dir.resolve("tiny-tokenizer/tokenizer.json")).isRegularFile();
        assertThat(dir.resolve("tiny-tokenizer/bpe_simple_vocab_16e6.txt.gz")).isRegularFile();
        assertThat(dir.resolve("tiny.onnx.data")).doesNotExist();
        assertGivesTheReferenceBoxes(out);
    }

    /** The exported fixture model's boxes on the fixture's inputs against the reference's, within 1e-4. */
    private static void assertGivesTheReferenceBoxes(Path out) throws Exception {
        try (NDManager manager = NDManager.newBaseManager();
                OnnxPredictor onnx = OnnxPredictor.open(out, 2)) {
            assertThat(onnx.config()).isEqualTo(ModelConfigs.read(CliRunner.tiny("model.json")));
            Map<String, NDArray> expected = Tensors.byName(manager, CliRunner.tiny("expected.safetensors"));
            int[] pixels = expected.get("pixel_masks").toType(DataType.INT32, false).toIntArray();
            byte[] masks = new byte[pixels.length];
            for (int i = 0; i < pixels.length; i++) {
                masks[i] = (byte) pixels[i];
            }
            long[] textMasks = expected.get("text_masks").toType(DataType.INT64, false).toLongArray();
            float[] boxes = onnx.predict(expected.get("images").toFloatArray(), masks,
                    expected.get("tokens").toLongArray(), textMasks, 6, 77).boxes();
            float[] reference = expected.get("pred_boxes").toFloatArray();
            for (int i = 0; i < boxes.length; i++) {
                assertThat((double) boxes[i]).isCloseTo(reference[i], org.assertj.core.data.Offset.offset(1e-4));
            }
        }
    }

    @Test
    void externalDataPutsTheWeightsBesideTheModel(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("tiny.onnx");
        Files.writeString(dir.resolve("tiny.onnx.data"), "keep me");
        CliRunner.Result refused = CliRunner.run(export(out, "--external-data"));
        assertThat(refused.exitCode()).isEqualTo(Errors.BAD_INPUT);
        assertThat(refused.err()).contains("tiny.onnx.data exists; give --overwrite");
        assertThat(Files.readString(dir.resolve("tiny.onnx.data"))).isEqualTo("keep me");
        CliRunner.Result r = CliRunner.run(export(out, "--external-data", "--overwrite"));
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("weights in").contains("tiny.onnx.data");
        assertThat(Files.size(out)).isLessThan(1_000_000);
        assertThat(Files.size(dir.resolve("tiny.onnx.data"))).isGreaterThan(20_000_000);
        assertGivesTheReferenceBoxes(out);
    }

    @Test
    void refusesToReplaceAFileUnlessAsked(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("model.onnx");
        Files.writeString(out, "keep me");
        CliRunner.Result r = CliRunner.run(export(out));
        assertThat(r.exitCode()).isEqualTo(Errors.BAD_INPUT);
        assertThat(r.err()).contains("model.onnx exists; give --overwrite");
        assertThat(Files.readString(out)).isEqualTo("keep me");
        CliRunner.Result again = CliRunner.run(export(out, "--overwrite"));
        assertThat(again.exitCode()).as(again.err()).isZero();
        assertThat(Files.size(out)).isGreaterThan(1_000_000);
    }

    @Test
    void int8WritesASmallerModel(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("int8.onnx");
        CliRunner.Result r = CliRunner.run(export(out, "--int8", "--int8-scales", "tensor"));
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("int8_per_tensor");
        try (OnnxPredictor onnx = OnnxPredictor.open(out, 1)) {
            assertThat(onnx.metadata()).containsEntry("precision", "int8_per_tensor");
        }
        CliRunner.Result bad = CliRunner.run(export(dir.resolve("x.onnx"), "--int8", "--int8-scales", "row"));
        assertThat(bad.exitCode()).isEqualTo(Errors.BAD_INPUT);
        assertThat(bad.err()).contains("unknown --int8-scales 'row'; known: channel, tensor");
    }

    @Test
    void clearErrors(@TempDir Path dir) {
        CliRunner.Result format = CliRunner.run(export(dir.resolve("m.onnx"), "--format", "tflite"));
        assertThat(format.exitCode()).isEqualTo(Errors.BAD_INPUT);
        assertThat(format.err()).contains("unknown --format 'tflite'; known: onnx");
        CliRunner.Result folder = CliRunner.run(export(dir));
        assertThat(folder.exitCode()).isEqualTo(Errors.BAD_INPUT);
        assertThat(folder.err()).contains("is a folder");
        CliRunner.Result noWeights = CliRunner.run("export", "--out", dir.resolve("m.onnx").toString());
        assertThat(noWeights.exitCode()).isEqualTo(Errors.BAD_INPUT);
        assertThat(noWeights.err()).contains("--weights");
        assertThat(dir.resolve("m.onnx")).doesNotExist();
    }
}
