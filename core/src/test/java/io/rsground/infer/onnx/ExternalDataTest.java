package io.rsground.infer.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.UnknownFieldSet;
import io.rsground.image.Images;
import io.rsground.infer.GroundingResult;
import io.rsground.infer.LoadedModel;
import io.rsground.testing.Fixtures;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fixture exported with its weights in a side file ({@code model.onnx.data}) against the same model exported
 * as one file: ONNX Runtime gives the same boxes, the files hold what the format says, and the layout survives
 * being moved.
 */
class ExternalDataTest {
    private static Path inFile;
    private static Path external;


    @BeforeAll
    static void export(@TempDir Path tmp) throws Exception {
        try (LoadedModel loaded = Fixtures.tinyModel()) {
            inFile = OnnxExporter.export(loaded, tmp.resolve("one/tiny.onnx"), false,
                    OnnxExporter.Precision.FLOAT32, ExternalData.Mode.AUTO);
            external = OnnxExporter.export(loaded, tmp.resolve("two/tiny.onnx"), false,
                    OnnxExporter.Precision.FLOAT32, ExternalData.Mode.ALWAYS);
        }
    }

    /** The fixture's samples grounded by {@code grounder}: per sample cx, cy, w, h normalised. */
    private static List<double[]> boxes(OnnxGrounder grounder) throws IOException {
        JsonNode samples = new ObjectMapper().readTree(Fixtures.tiny("samples.json").toFile()).get("samples");
        List<double[]> out = new ArrayList<>();
        for (JsonNode s : samples) {
            BufferedImage image = Images.read(Fixtures.clipvgTiny().resolve(s.get("image").asText()));
            for (GroundingResult r : grounder.ground(image, List.of(s.get("query").asText(), "the bridge"))) {
                out.add(r.cxcywhNorm());
            }
        }
        return out;
    }

    private static double maxDiff(List<double[]> a, List<double[]> b) {
        assertThat(a).hasSameSizeAs(b);
        double d = 0;
        for (int i = 0; i < a.size(); i++) {
            for (int j = 0; j < a.get(i).length; j++) {
                d = Math.max(d, Math.abs(a.get(i)[j] - b.get(i)[j]));
            }
        }
        return d;
    }

    @Test
    void sideFileModelMovedWithItsFilesGivesTheSingleFileBoxes(@TempDir Path elsewhere) throws Exception {
        Path moved = elsewhere.resolve("tiny.onnx");
        Files.move(external, moved);
        Files.move(ExternalData.sideFile(external), ExternalData.sideFile(moved));
        Files.move(external.resolveSibling("tiny-tokenizer"), elsewhere.resolve("tiny-tokenizer"));
        try (OnnxGrounder one = OnnxGrounder.open(inFile, 1); OnnxGrounder two = OnnxGrounder.open(moved, 1)) {
            double d = maxDiff(boxes(one), boxes(two));
            System.out.printf("side-file model vs single file: max|diff| %.3g normalised%n", d);
            assertThat(d).isLessThanOrEqualTo(1e-6);
        } finally {
            Files.move(moved, external);
            Files.move(ExternalData.sideFile(moved), ExternalData.sideFile(external));
            Files.move(elsewhere.resolve("tiny-tokenizer"), external.resolveSibling("tiny-tokenizer"));
        }
    }

    @Test
    void inMemoryEngineWithASideFileGivesTheSingleFileBoxes() throws Exception {
        try (OnnxGrounder one = OnnxGrounder.open(inFile, 1);
                OnnxGrounder two = OnnxGrounder.of(Fixtures.tinyModel(), OnnxExporter.Precision.FLOAT32, 1, 0,
                        ExternalData.Mode.ALWAYS)) {
            assertThat(maxDiff(boxes(one), boxes(two))).isLessThanOrEqualTo(1e-6);
        }
    }

    @Test
    void modelFileHoldsNoWeightsAndTheSideFileHoldsThemAligned() throws Exception {
        UnknownFieldSet model = UnknownFieldSet.parseFrom(Files.readAllBytes(external));
        UnknownFieldSet graph = UnknownFieldSet.parseFrom(model.getField(7).getLengthDelimitedList().get(0));
        long end = 0;
        long weightBytes = 0;
        int moved = 0;
        for (var bytes : graph.getField(5).getLengthDelimitedList()) {
            UnknownFieldSet tensor = UnknownFieldSet.parseFrom(bytes);
            if (tensor.hasField(9)) {
                assertThat(tensor.getField(9).getLengthDelimitedList().get(0).size())
                        .isLessThan(ExternalData.MIN_EXTERNAL_BYTES);
                continue;
            }
            assertThat(tensor.getField(14).getVarintList()).containsExactly(1L); // data_location EXTERNAL
            Map<String, String> entries = new HashMap<>();
            for (var e : tensor.getField(13).getLengthDelimitedList()) {
                UnknownFieldSet entry = UnknownFieldSet.parseFrom(e);
                entries.put(entry.getField(1).getLengthDelimitedList().get(0).toString(StandardCharsets.UTF_8),
                        entry.getField(2).getLengthDelimitedList().get(0).toString(StandardCharsets.UTF_8));
            }
            assertThat(entries.get("location")).isEqualTo("tiny.onnx.data");
            long offset = Long.parseLong(entries.get("offset"));
            long length = Long.parseLong(entries.get("length"));
            assertThat(offset % 4096).isZero();
            assertThat(offset).isGreaterThanOrEqualTo(end); // in order, not overlapping
            end = offset + length;
            weightBytes += length;
            moved++;
        }
        assertThat(moved).isGreaterThan(10);
        long side = Files.size(ExternalData.sideFile(external));
        assertThat(side).isEqualTo(end);
        assertThat(side).isBetween(weightBytes, weightBytes + 4095L * moved);
        // the model file keeps the graph and metadata: the single file less the weights, give or take the entries
        long graphOnly = Files.size(inFile) - weightBytes;
        System.out.printf("model file %d bytes, side file %d bytes (%d tensors, %d bytes of weights); single file %d"
                + "%n", Files.size(external), side, moved, weightBytes, Files.size(inFile));
        assertThat(Files.size(external)).isBetween(graphOnly, graphOnly + 100L * moved);
        assertThat(inFile.resolveSibling("tiny.onnx.data")).doesNotExist();
    }

    @Test
    void missingSideFileIsNamed(@TempDir Path dir) throws Exception {
        Path copy = dir.resolve("tiny.onnx");
        Files.copy(external, copy);
        assertThatThrownBy(() -> OnnxPredictor.open(copy, 1)).isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining(dir.resolve("tiny.onnx.data").toString())
                .hasMessageContaining("move the model, its .data file and its tokenizer folder together");
    }

    @Test
    void existingSideFileIsNotReplacedUnasked(@TempDir Path dir) throws Exception {
        Path side = dir.resolve("m.onnx.data");
        Files.writeString(side, "someone else's");
        try (LoadedModel loaded = Fixtures.tinyModel()) {
            assertThatThrownBy(() -> OnnxExporter.export(loaded, dir.resolve("m.onnx"), false))
                    .isInstanceOf(FileAlreadyExistsException.class).hasMessageContaining(side.toString());
            assertThat(Files.readString(side)).isEqualTo("someone else's");
            // with --overwrite, a single-file export removes the side file the replaced model had
            OnnxExporter.export(loaded, dir.resolve("m.onnx"), true);
            assertThat(side).doesNotExist();
        }
    }

    @Test
    void sizeDecidesTheSideFile() {
        assertThat(ExternalData.needsSideFile(ExternalData.SINGLE_FILE_LIMIT + 1, ExternalData.Mode.AUTO)).isTrue();
        assertThat(ExternalData.needsSideFile(3L << 30, ExternalData.Mode.AUTO)).isTrue();
        assertThat(ExternalData.needsSideFile(ExternalData.SINGLE_FILE_LIMIT, ExternalData.Mode.AUTO)).isFalse();
        assertThat(ExternalData.needsSideFile(26_000_000, ExternalData.Mode.AUTO)).isFalse();
        assertThat(ExternalData.needsSideFile(26_000_000, ExternalData.Mode.ALWAYS)).isTrue();
        assertThat(ExternalData.SINGLE_FILE_LIMIT).isLessThan(Integer.MAX_VALUE);
        assertThat(ExternalData.align(0)).isZero();
        assertThat(ExternalData.align(1)).isEqualTo(4096);
        assertThat(ExternalData.align(4096)).isEqualTo(4096);
    }
}
