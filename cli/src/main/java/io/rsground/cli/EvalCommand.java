package io.rsground.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code rsground eval}: the field's metrics on a split. */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Evaluate a model on a split: Pr@0.5..0.9, meanIoU and cumIoU in original pixels (primary) and "
                + "in the padded normalised square (as CLIP-VG reports), per class and by query length. A model with "
                + "a presence head is also asked as many absent-referent queries: AUROC, accuracy and a reliability "
                + "diagram (presence.json, reliability.png beside --json, --report or --predictions).")
final class EvalCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.ArgGroup(exclusive = false, multiplicity = "1")
    DataSplitOptions data;

    @CommandLine.Mixin
    ModelOptions model;
    @CommandLine.Mixin
    EngineOptions engine;
    @Option(names = "--json", paramLabel = "FILE", description = "write the metrics as JSON") Path json;
    @Option(names = "--predictions", paramLabel = "FILE.jsonl", description = "write one line per sample")
    Path predictions;
    @Option(names = "--report", paramLabel = "FILE.md", description = "write a Markdown report") Path report;
    @Option(names = {"--batch-size", "--batch_size"}, defaultValue = "32") int batchSize;
    @Option(names = {"--num-workers", "--num_workers"}, defaultValue = "2") int workers;

    /** @return where presence.json and reliability.png go: beside the first file asked for, or nowhere */
    private Path presenceDir() {
        for (Path p : new Path[] {json, report, predictions}) {
            if (p != null) {
                return p.toAbsolutePath().getParent();
            }
        }
        return null;
    }

    @Override
    public Integer call() throws Exception {
        Evaluation.Result r = data.evaluate(model, engine, batchSize, workers);
        r.write(json, predictions, report, presenceDir());
        spec.commandLine().getOut().println(r.toMarkdown());
        return Errors.OK;
    }
}
