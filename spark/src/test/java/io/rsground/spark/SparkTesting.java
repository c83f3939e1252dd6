package io.rsground.spark;

import io.rsground.infer.Grounder;
import io.rsground.infer.ModelLoader;
import io.rsground.testing.Fixtures;
import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;

/** What the Spark tests share: a small local session and the fixture model, as a spec and as a direct grounder. */
final class SparkTesting {
    private SparkTesting() {
    }

    /** @return a two-slot local session with few shuffle partitions and no web UI */
    static SparkSession session(String name) {
        return SparkSession.builder().master("local[2]").appName(name)
                .config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "2")
                .getOrCreate();
    }

    static Path bpe() {
        return Fixtures.shared().resolve("clip/bpe_simple_vocab_16e6.txt.gz");
    }

    /** @return the clipvg-tiny fixture model as executors load it */
    static ModelSpec spec() {
        return ModelSpec.of(Fixtures.tiny("weights.safetensors").toString())
                .withModelConfig(Fixtures.tiny("model.json").toString()).withBpe(bpe().toString());
    }

    /** @return the same model loaded directly, the truth the Spark job must agree with; the caller closes it */
    static Grounder directGrounder() throws Exception {
        return new Grounder(ModelLoader.load(new ModelLoader.Request(Fixtures.tiny("weights.safetensors"),
                Fixtures.tiny("model.json"), null, bpe(), true)), 0);
    }
}
