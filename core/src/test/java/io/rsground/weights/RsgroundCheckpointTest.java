package io.rsground.weights;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rsground.config.ModelConfigs;
import io.rsground.infer.GroundingResult;
import io.rsground.infer.Grounder;
import io.rsground.infer.ModelLoader;
import io.rsground.image.Images;
import io.rsground.testing.Fixtures;
import io.rsground.text.Tokenizers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RsgroundCheckpointTest {

    @Test
    void aCheckpointReproducesThePthItWasMadeFrom(@TempDir Path dir) throws Exception {
        Path ckpt = dir.resolve("ckpt");
        var tokenizer = Tokenizers.clipFromFile(Fixtures.shared().resolve("clip/bpe_simple_vocab_16e6.txt.gz"));
        Map<String, HostTensor> weights = KeyMaps.toCanonical(
                TorchCheckpoint.read(Fixtures.tiny("checkpoint.pth")).stateDict()).tensors();
        Map<String, Object> info = RsgroundCheckpoint.info();
        info.put("epoch", 3);
        RsgroundCheckpoint.write(ckpt, ModelConfigs.read(Fixtures.tiny("model.json")), tokenizer, weights, info,
                null);
        assertThat(ckpt.resolve("tokenizer/bpe_simple_vocab_16e6.txt.gz")).exists();
        assertThat(Files.list(dir).map(p -> p.getFileName().toString()).toList()).containsExactly("ckpt");

        RsgroundCheckpoint.Contents back = RsgroundCheckpoint.read(ckpt);
        assertThat(back.info().get("epoch").asInt()).isEqualTo(3);
        assertThat(back.weights().keySet()).containsExactlyInAnyOrderElementsOf(weights.keySet());
        // AssertJ's containsExactly is quadratic on a mismatch; compare arrays whole and name the key
        weights.forEach((k, v) -> assertThat(java.util.Arrays.equals(back.weights().get(k).floats(), v.floats()))
                .as(k).isTrue());

        var image = Images.read(Fixtures.clipvgTiny().resolve("images/sample_2.png"));
        try (Grounder fromCkpt = new Grounder(ModelLoader.load(ModelLoader.Request.of(ckpt)), 0);
                Grounder fromPth = new Grounder(ModelLoader.load(new ModelLoader.Request(
                        Fixtures.tiny("checkpoint.pth"), Fixtures.tiny("model.json"), null,
                        Fixtures.shared().resolve("clip/bpe_simple_vocab_16e6.txt.gz"), true)), 0)) {
            GroundingResult a = fromCkpt.ground(image, "the bright tennis court in the middle");
            GroundingResult b = fromPth.ground(image, "the bright tennis court in the middle");
            assertThat(a.boxXyxy()).containsExactly(b.boxXyxy());
        }
    }

    @Test
    void rewritingReplacesAtomicallyAndAnInterruptedSaveFallsBack(@TempDir Path dir) throws Exception {
        Path ckpt = dir.resolve("checkpoint");
        var tokenizer = io.rsground.text.WordTokenizer.build(java.util.List.of("the red ship"), 1);
        var config = ModelConfigs.read(Fixtures.tiny("model.json"));
        Map<String, HostTensor> w1 = Map.of("a", HostTensor.ofFloats(new long[] {1}, new float[] {1f}));
        Map<String, HostTensor> w2 = Map.of("a", HostTensor.ofFloats(new long[] {1}, new float[] {2f}));
        RsgroundCheckpoint.write(ckpt, config, tokenizer, w1, Map.of(), null);
        RsgroundCheckpoint.write(ckpt, config, tokenizer, w2, Map.of(), null);
        assertThat(RsgroundCheckpoint.read(ckpt).weights().get("a").floats()).containsExactly(2f);
        assertThat(Files.list(dir).map(p -> p.getFileName().toString()).toList()).containsExactly("checkpoint");
        // killed between the two renames: only checkpoint.old is left, and it is what gets read
        Files.move(ckpt, dir.resolve("checkpoint.old"));
        assertThat(RsgroundCheckpoint.read(ckpt).weights().get("a").floats()).containsExactly(2f);
    }

    @Test
    void aNewerFormatIsRefusedWithAReason(@TempDir Path dir) throws Exception {
        Path ckpt = dir.resolve("c");
        var tokenizer = io.rsground.text.WordTokenizer.build(java.util.List.of("the red ship"), 1);
        RsgroundCheckpoint.write(ckpt, ModelConfigs.preset("tiny"), tokenizer,
                Map.of("a", HostTensor.ofFloats(new long[] {1}, new float[] {1f})), Map.of(), null);
        Path manifest = ckpt.resolve("checkpoint.json");
        Files.writeString(manifest, Files.readString(manifest).replace("\"format_version\" : 1",
                "\"format_version\" : 7"));
        assertThatThrownBy(() -> RsgroundCheckpoint.read(ckpt)).hasMessageContaining("written by a newer rsground")
                .hasMessageContaining("checkpoint format 7").hasMessageContaining("reads formats up to 1");
        assertThatThrownBy(() -> RsgroundCheckpoint.read(dir)).hasMessageContaining("not an rsground checkpoint");
    }

    @Test
    void manifestPathsLeadingOutOfTheCheckpointAreRefused(@TempDir Path dir) throws Exception {
        Path ckpt = dir.resolve("c");
        var tokenizer = io.rsground.text.WordTokenizer.build(java.util.List.of("the red ship"), 1);
        RsgroundCheckpoint.write(ckpt, ModelConfigs.preset("tiny"), tokenizer,
                Map.of("a", HostTensor.ofFloats(new long[] {1}, new float[] {1f})), Map.of(), null);
        Files.copy(ckpt.resolve("weights.safetensors"), dir.resolve("outside.safetensors"));
        Path manifest = ckpt.resolve("checkpoint.json");
        String original = Files.readString(manifest);
        Files.writeString(manifest, original.replace("\"weights.safetensors\"", "\"../outside.safetensors\""));
        assertThatThrownBy(() -> RsgroundCheckpoint.read(ckpt)).hasMessageContaining(manifest.toString())
                .hasMessageContaining("key 'weights' = \"../outside.safetensors\" must name a file inside the "
                        + "checkpoint directory");
        Files.writeString(manifest, original.replace("\"model.json\"", "\"" + dir.resolve("c/model.json") + "\""));
        assertThatThrownBy(() -> RsgroundCheckpoint.read(ckpt)).hasMessageContaining("key 'model_config'");
    }

    @Test
    void aWriteErrorWithoutAPathNamesTheCheckpoint(@TempDir Path dir) throws Exception {
        Path ckpt = dir.resolve("c");
        var tokenizer = io.rsground.text.WordTokenizer.build(java.util.List.of("the red ship"), 1);
        assertThatThrownBy(() -> RsgroundCheckpoint.write(ckpt, ModelConfigs.preset("tiny"), tokenizer,
                Map.of("a", HostTensor.ofFloats(new long[] {1}, new float[] {1f})), Map.of(), tmp -> {
                    throw new java.io.IOException("No space left on device");
                })).hasMessage("cannot write checkpoint " + ckpt + ": No space left on device");
        assertThat(Files.list(dir).toList()).isEmpty();
    }
}
