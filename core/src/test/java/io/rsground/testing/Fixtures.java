package io.rsground.testing;

import io.rsground.infer.LoadedModel;
import io.rsground.infer.ModelLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Where the shared fixtures live: {@code ../shared} beside the project root, never copied in. */
public final class Fixtures {
    private Fixtures() {
    }

    /** @return the project root (set by surefire; falls back to the parent of the module dir) */
    public static Path projectRoot() {
        String root = System.getProperty("rsground.root");
        Path p = root != null && !root.isBlank() ? Path.of(root) : Path.of("").toAbsolutePath().getParent();
        return p.toAbsolutePath().normalize();
    }

    /** @return {@code ../shared} relative to the project root */
    public static Path shared() {
        Path p = projectRoot().resolve("../shared").normalize();
        if (!Files.isDirectory(p)) {
            throw new IllegalStateException("shared fixtures not found at " + p);
        }
        return p;
    }

    /** @return {@code ../shared/fixtures/clipvg-tiny} */
    public static Path clipvgTiny() {
        return shared().resolve("fixtures/clipvg-tiny");
    }

    /** @return a file under {@code ../shared/fixtures/clipvg-tiny} */
    public static Path tiny(String name) {
        return clipvgTiny().resolve(name);
    }

    /** @return the fixture's CLIP-VG (weights, architecture, CLIP BPE) loaded for inference; the caller closes it */
    public static LoadedModel tinyModel() throws IOException {
        return ModelLoader.load(new ModelLoader.Request(tiny("weights.safetensors"), tiny("model.json"), null,
                shared().resolve("clip/bpe_simple_vocab_16e6.txt.gz"), true));
    }
}
