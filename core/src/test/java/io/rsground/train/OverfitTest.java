package io.rsground.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.rsground.config.TrainConfig;
import io.rsground.data.DiorRsvgDataset;
import io.rsground.data.Sample;
import io.rsground.eval.EvalReport;
import io.rsground.eval.Evaluator;
import io.rsground.infer.LoadedModel;
import io.rsground.infer.ModelLoader;
import io.rsground.data.ProgressListener;
import io.rsground.data.synth.SceneGenerator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tiny preset learns a few dozen synthetic samples by heart: the training loop, loss and optimizer work. */
class OverfitTest {

    /** A synthetic data set whose train split lists every described object (val and test empty). */
    static Path memorisationSet(Path dir, int images, int size) throws Exception {
        Path root = dir.resolve("data");
        SceneGenerator.Summary s = SceneGenerator.generate(root, images, size, 5, 1, ProgressListener.NONE);
        String all = IntStream.range(0, s.objectsDescribed()).mapToObj(Integer::toString)
                .collect(Collectors.joining("\n")) + "\n";
        Files.writeString(root.resolve("splits/train.txt"), all);
        Files.writeString(root.resolve("splits/val.txt"), "");
        Files.writeString(root.resolve("splits/test.txt"), "");
        return root;
    }

    @Test
    void tinyModelMemorisesAFewDozenSamples(@TempDir Path dir) throws Exception {
        Path root = memorisationSet(dir, 4, 128);
        int epochs = Integer.getInteger("rsground.overfit.epochs", 150);
        TrainConfig config = TrainConfig.defaults(root.toString(), dir.resolve("out").toString())
                .with("preset", "tiny").with("epochs", epochs).with("batch_size", 64).with("lr", 1e-3)
                .with("aug_crop", false).with("aug_scale", false).with("aug_translate", false)
                .with("num_workers", 0).with("vl_dropout", 0.0).with("warmup_epochs", 5.0);
        TrainingRun.Outcome outcome = new TrainingRun(config, null).run();
        List<EpochLog> h = outcome.history();
        // the saved checkpoint, evaluated on the samples it learnt
        EvalReport report;
        try (LoadedModel loaded = ModelLoader.load(ModelLoader.Request.of(dir.resolve("out/checkpoint")))) {
            List<Sample> train = DiorRsvgDataset.open(root, null).split("train");
            report = Evaluator.evaluate(loaded.model(), loaded.manager(), loaded.tokenizer(), train, "train", 32, 0,
                    null);
        }
        System.out.printf("overfit: %d samples, loss %.3f -> %.3f, %s%n", report.predictions().size(),
                h.get(0).trainLoss(), h.get(h.size() - 1).trainLoss(), report.headline());
        assertThat(h.get(h.size() - 1).trainLoss()).isLessThan(h.get(0).trainLoss() * 0.5);
        assertThat(report.pixel().precisionAt(0.5)).isGreaterThan(0.9);
    }
}
