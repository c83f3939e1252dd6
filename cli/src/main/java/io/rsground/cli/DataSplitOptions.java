package io.rsground.cli;

import io.rsground.data.GroundingDataset;
import io.rsground.data.Sample;
import io.rsground.infer.GroundingEngine;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Option;

/** The data set and split options of {@code eval} and {@code visualize}. */
final class DataSplitOptions {
    @Option(names = {"--data-root", "--data_root"}, required = true, paramLabel = "ROOT",
            description = "DIOR-RSVG-layout folder with JPEGImages/, Annotations/ and splits/") Path root;
    @Option(names = {"--splits", "--split-root"}, paramLabel = "DIR",
            description = "folder of train/val/test.txt (default: ROOT/splits)") Path splits;
    @Option(names = "--split", defaultValue = "test", description = "train, val or test")
    String split;

    private GroundingDataset dataset;

    /** @return the split's samples */
    List<Sample> samples() throws Exception {
        List<Sample> samples = dataset().split(split);
        if (samples.isEmpty()) {
            throw new Errors.BadInputException("split '" + split + "' of " + root + " is empty");
        }
        return samples;
    }

    /** @return the data set, opened once */
    GroundingDataset dataset() throws Exception {
        if (dataset == null) {
            dataset = GroundingDataset.open(root, splits);
        }
        return dataset;
    }

    /** @return the split evaluated with a progress bar, with presence figures for a model with a presence head */
    Evaluation.Result evaluate(ModelOptions model, EngineOptions engine, int batchSize, int workers)
            throws Exception {
        engine.check(model);
        List<Sample> samples = samples(); // a bad split fails before the model loads
        try (GroundingEngine grounder = engine.open(model, 0)) {
            return Evaluation.run(grounder, samples, split, batchSize, workers, root, dataset().allSamples());
        }
    }
}
