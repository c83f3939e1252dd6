package io.rsground.spark;

import io.rsground.image.Images;
import io.rsground.infer.Grounder;
import io.rsground.infer.GroundingResult;
import java.awt.image.BufferedImage;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.function.Supplier;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;

/**
 * Grounds one partition whose rows are sorted by image: each run of rows naming the same image is decoded once and
 * goes through the image tower once, its queries batched. Every input row yields exactly one output row, with
 * answers or with an error naming the row and what is wrong; only a model that cannot be loaded fails the task.
 */
final class GroundPartition implements MapPartitionsFunction<Row, Row> {
    private static final long serialVersionUID = 1L;

    private final ModelSpec spec;
    private final Broadcast<HadoopConf> conf;
    private final PairSchema schema;
    private final String baseDir;

    /**
     * @param spec the model, loaded once per executor
     * @param conf the driver's Hadoop configuration
     * @param schema where the fields are
     * @param baseDir the folder relative image paths are resolved against, or null for the file system's own
     *     working folder
     */
    GroundPartition(ModelSpec spec, Broadcast<HadoopConf> conf, PairSchema schema, String baseDir) {
        this.spec = spec;
        this.conf = conf;
        this.schema = schema;
        this.baseDir = baseDir;
    }

    /** One input row as parsed: its image, its queries, or why it cannot be grounded. */
    private record Pair(Row row, Object image, List<String> queries, String error) {
        boolean sameImage(Pair other) {
            if (image instanceof byte[] bytes && other.image instanceof byte[] otherBytes) {
                return Arrays.equals(bytes, otherBytes);
            }
            return image != null && image.equals(other.image);
        }
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
        TaskContext task = TaskContext.get();
        int cpus = task == null ? 1 : task.cpus();
        Supplier<Grounder> model = () -> {
            Grounder grounder = ExecutorModels.get(spec, conf.value());
            ExecutorModels.useThreads(spec, cpus); // after the load, which starts the engine
            return grounder;
        };
        return new Iterator<>() {
            private final ArrayDeque<Row> ready = new ArrayDeque<>();
            private Pair pending;

            @Override
            public boolean hasNext() {
                while (ready.isEmpty() && (pending != null || rows.hasNext())) {
                    List<Pair> group = new ArrayList<>();
                    group.add(pending != null ? pending : parse(rows.next()));
                    pending = null;
                    while (rows.hasNext()) {
                        Pair next = parse(rows.next());
                        if (!next.sameImage(group.get(0))) {
                            pending = next;
                            break;
                        }
                        group.add(next);
                    }
                    ready.addAll(ground(group, model));
                }
                return !ready.isEmpty();
            }

            @Override
            public Row next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return ready.poll();
            }
        };
    }

    /** @return one output row per pair of the group (which share one image), in the group's order */
    private List<Row> ground(List<Pair> group, Supplier<Grounder> model) {
        List<Row> out = new ArrayList<>(group.size());
        List<Pair> good = new ArrayList<>();
        for (Pair p : group) {
            if (p.error == null) {
                good.add(p);
            }
        }
        List<GroundingResult> results = null;
        String failure = null;
        if (!good.isEmpty()) {
            Grounder grounder = model.get(); // a model that cannot load fails the task: it is no row's fault
            try {
                results = groundAll(grounder, decode(good.get(0)), good);
            } catch (IOException e) {
                failure = "image " + describe(good.get(0)) + ": " + message(e);
            } catch (RuntimeException e) {
                failure = "grounding failed: " + message(e);
            }
        }
        int at = 0;
        for (Pair p : group) {
            if (p.error != null) {
                out.add(schema.failed(p.row, p.error));
            } else if (failure != null) {
                out.add(schema.failed(p.row, prefix(p.row) + failure));
            } else {
                out.add(schema.answered(p.row, results.subList(at, at + p.queries.size())));
                at += p.queries.size();
            }
        }
        return out;
    }

    private static List<GroundingResult> groundAll(Grounder grounder, BufferedImage picture, List<Pair> pairs) {
        List<String> queries = new ArrayList<>();
        for (Pair p : pairs) {
            queries.addAll(p.queries);
        }
        return grounder.groundInCalls(picture, queries);
    }

    private BufferedImage decode(Pair p) throws IOException {
        if (p.image instanceof byte[] bytes) {
            return Images.read(bytes, describe(p));
        }
        Path path = new Path((String) p.image);
        FileSystem fs = path.getFileSystem(conf.value().get());
        FileStatus status;
        try {
            status = fs.getFileStatus(path);
        } catch (FileNotFoundException e) {
            throw new FileNotFoundException("no such file");
        }
        if (status.isDirectory()) {
            throw new IOException("is a directory");
        }
        if (status.getLen() > Integer.MAX_VALUE - 16) {
            throw new IOException("file of " + status.getLen() + " bytes is over 2 GB");
        }
        byte[] bytes;
        try (InputStream in = fs.open(path)) {
            bytes = in.readAllBytes();
        }
        return Images.read(bytes, path.toString());
    }

    /** @return the row's image, queries and row id, or the row with the error that keeps it from the model */
    private Pair parse(Row row) {
        if (schema.corrupt >= 0 && !row.isNullAt(schema.corrupt)) {
            return new Pair(row, null, null, prefix(row) + "the input line is not a JSON object {\"image\": ..., "
                    + "\"query\": ...} (it is kept in " + PairSchema.CORRUPT + ")");
        }
        Object image = row.isNullAt(schema.image) ? null : row.get(schema.image);
        if (image instanceof String path) {
            image = path.isBlank() ? null : resolve(path);
        } else if (image instanceof byte[] bytes && bytes.length == 0) {
            image = null;
        }
        if (image == null) {
            return new Pair(row, null, null, prefix(row) + "field 'image' (a path or the image's bytes) is missing "
                    + "or empty");
        }
        String one = schema.query >= 0 && !row.isNullAt(schema.query) ? row.getString(schema.query) : null;
        List<String> many = schema.queries >= 0 && !row.isNullAt(schema.queries) ? row.getList(schema.queries) : null;
        String error = null;
        if (one != null && many != null) {
            error = "give either 'query' or 'queries', not both";
        } else if (one == null && many == null) {
            error = "field 'query' (or 'queries') is missing";
        } else if (many != null && many.isEmpty()) {
            error = "field 'queries' must be a non-empty list of strings";
        }
        List<String> queries = one != null ? List.of(one) : many;
        for (int i = 0; error == null && i < queries.size(); i++) {
            if (queries.get(i) == null || queries.get(i).isBlank()) {
                error = queries.size() == 1 ? "the query is empty" : "query " + (i + 1) + " is empty";
            }
        }
        return error != null ? new Pair(row, image, null, prefix(row) + error) : new Pair(row, image, queries, null);
    }

    /** @return the path as given when absolute or a URI, else resolved against the base folder */
    private String resolve(String path) {
        if (baseDir == null || LocalFiles.scheme(path) != null || path.startsWith("/")) {
            return path;
        }
        return new Path(baseDir, path).toString();
    }

    private String describe(Pair p) {
        return p.image instanceof byte[] bytes ? "bytes (" + bytes.length + " bytes)" : "'" + p.image + "'";
    }

    private String prefix(Row row) {
        return "row_id " + row.get(schema.rowId) + ": ";
    }

    private static String message(Throwable e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m.replace('\n', ' ');
    }
}
