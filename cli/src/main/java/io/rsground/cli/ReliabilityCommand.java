package io.rsground.cli;

import io.rsground.data.GroundingDataset;
import io.rsground.data.Sample;
import io.rsground.data.pseudo.PseudoSources;
import io.rsground.eval.EvalReport;
import io.rsground.eval.Evaluator;
import io.rsground.eval.ReliabilityReport;
import io.rsground.infer.LoadedModel;
import io.rsground.infer.ModelLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code rsground reliability}: how far a measurer model agrees with each label of a data set. */
@Command(name = "reliability", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Score every label (image, box, expression) of a data set by a measurer model, as CLIP-VG's "
                + "curriculum scores pseudo-labels: the IoU of the measurer's box with the label's box; by source "
                + "(template, relation) for a data set written by 'rsground pseudo'.",
                "Writes OUT/reliability.jsonl (one line per label), OUT/summary.json (histogram, labels kept at each "
                        + "threshold) and OUT/histogram.png."},
        footer = {"  ./rsground reliability --weights runs/measurer/best_checkpoint \\",
            "      --data-root pseudo --split train --out rel"})
final class ReliabilityCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ModelOptions model;

    @Option(names = {"--data-root", "--data_root"}, required = true, paramLabel = "ROOT",
            description = "DIOR-RSVG-layout folder with JPEGImages/, Annotations/ and splits/") Path root;
    @Option(names = {"--splits", "--split-root"}, paramLabel = "DIR",
            description = "folder of train/val/test.txt (default: ROOT/splits)") Path splits;
    @Option(names = "--split", defaultValue = "all", description = "all (every usable label), train, val or "
            + "test")
    String split;
    @Option(names = "--out", required = true, paramLabel = "DIR", description = "output folder (new, or existing "
            + "with --overwrite)") Path out;
    @Option(names = "--overwrite", description = "write into an existing OUT") boolean overwrite;
    @Option(names = {"--batch-size", "--batch_size"}, defaultValue = "32", description = "samples per model call")
    int batchSize;
    @Option(names = {"--num-workers", "--num_workers"}, defaultValue = "2", description = "image-loading threads")
    int workers;

    @Override
    public Integer call() throws Exception {
        if (Files.exists(out) && !overwrite) {
            throw new Errors.BadInputException("--out " + out + " exists: choose another folder, or add --overwrite");
        }
        GroundingDataset dataset = GroundingDataset.open(root, splits);
        List<Sample> labels = split.equals("all") ? dataset.allSamples() : dataset.split(split);
        if (labels.isEmpty()) {
            throw new Errors.BadInputException("no labels in " + split + " of " + root);
        }
        EvalReport measured;
        try (LoadedModel loaded = ModelLoader.load(model.request());
                Progress progress = new Progress("reliability", labels.size(), "labels")) {
            measured = Evaluator.evaluate(loaded.model(), loaded.manager(), loaded.tokenizer(), labels, split,
                    batchSize, workers, done -> progress.progress(done, labels.size()));
        }
        java.util.Map<Integer, String> sources = PseudoSources.read(root); // by source when rsground pseudo wrote ROOT
        ReliabilityReport report = new ReliabilityReport(measured.predictions(), sources::get);
        report.write(out);
        spec.commandLine().getOut().printf(Locale.ROOT, "%,d labels: mean reliability %.3f; kept at 0.5: %,d; "
                + "wrote %s (reliability.jsonl, summary.json, histogram.png)%n", labels.size(),
                report.toJson().get("mean").asDouble(), report.kept(0.5), out);
        return Errors.OK;
    }
}
