package io.rsground.cli;

import io.rsground.data.DiorRsvgDataset;
import io.rsground.data.Sample;
import io.rsground.eval.EvalReport;
import io.rsground.eval.Evaluator;
import io.rsground.infer.LoadedModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code rsground eval}: the field's metrics on a split. */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Evaluate a model on a split: Pr@0.5..0.9, meanIoU and cumIoU in original pixels (primary) and "
                + "in the padded normalised square (as CLIP-VG reports), per class and by query length.")
final class EvalCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.ArgGroup(exclusive = false, multiplicity = "1")
    DataSplit data;

    @CommandLine.Mixin
    CheckpointOptions model;
    @Option(names = "--json", paramLabel = "FILE", description = "write the metrics as JSON") Path json;
    @Option(names = "--predictions", paramLabel = "FILE.jsonl", description = "write one line per sample")
    Path predictions;
    @Option(names = "--report", paramLabel = "FILE.md", description = "write a Markdown report") Path report;
    @Option(names = {"--batch-size", "--batch_size"}, defaultValue = "32") int batchSize;
    @Option(names = {"--num-workers", "--num_workers"}, defaultValue = "2") int workers;

    /** The data set and split options, shared with {@code visualize}. */
    static final class DataSplit {
        @Option(names = {"--data-root", "--data_root"}, required = true, paramLabel = "ROOT") Path root;
        @Option(names = {"--splits", "--split-root"}, paramLabel = "DIR") Path splits;
        @Option(names = "--split", defaultValue = "test", description = "train, val or test (default: "
                + "${DEFAULT-VALUE})") String split;

        List<Sample> samples() throws Exception {
            List<Sample> samples = DiorRsvgDataset.open(root, splits).split(split);
            if (samples.isEmpty()) {
                throw new Errors.BadInputException("split '" + split + "' of " + root + " is empty");
            }
            return samples;
        }
    }

    @Override
    public Integer call() throws Exception {
        EvalReport r = evaluate(data, model.model(), batchSize, workers);
        write(r, json, predictions, report);
        spec.commandLine().getOut().println(r.toMarkdown());
        return Errors.OK;
    }

    static EvalReport evaluate(DataSplit data, ModelOptions model, int batchSize, int workers) throws Exception {
        List<Sample> samples = data.samples();
        try (LoadedModel loaded = model.load(); Progress progress = new Progress("eval " + data.split,
                samples.size(), "samples")) {
            return Evaluator.evaluate(loaded.model(), loaded.manager(), loaded.tokenizer(), samples, data.split,
                    batchSize, workers, done -> progress.progress(done, samples.size()));
        }
    }

    static void write(EvalReport r, Path json, Path predictions, Path report) throws Exception {
        if (json != null) {
            r.writeJson(json);
        }
        if (predictions != null) {
            r.writePredictions(predictions);
        }
        if (report != null) {
            Files.writeString(report, r.toMarkdown());
        }
    }
}
