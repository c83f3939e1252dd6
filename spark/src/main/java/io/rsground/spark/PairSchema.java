package io.rsground.spark;

import io.rsground.infer.GroundingResult;
import java.io.Serializable;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Where a grounding job finds its fields in the input rows, and the shape of its output: the input columns, then
 * {@value #RESULTS} and {@value #ERROR}. Exactly one of those two is non-null on each output row.
 *
 * <p>{@value #RESULTS} holds one struct per query, in the row's query order: {@code query}; {@code box_xyxy}, the
 * box as x1, y1, x2, y2 in pixels of the original image, clamped to it; {@code box_cxcywh_norm}, the model's own
 * output, centre x, centre y, width, height normalised to the padded square input; {@code score}, the presence
 * head's probability that the object is in the image, null for models without that head. These are the fields of
 * {@code rsground predict --manifest}.
 */
final class PairSchema implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The image column: a path (string) on any Hadoop file system, or the encoded file's bytes (binary). */
    static final String IMAGE = "image";
    /** One query (string). */
    static final String QUERY = "query";
    /** Several queries about the same image (array of strings). */
    static final String QUERIES = "queries";
    /** The input row's position (long): sort by it to restore the input order. */
    static final String ROW_ID = "row_id";
    /** The answers (array of struct), or null when the row has an error. */
    static final String RESULTS = "results";
    /** Why the row has no answer (string), or null. */
    static final String ERROR = "error";
    /** Where Spark's JSON and CSV readers keep a line they could not parse (string). */
    static final String CORRUPT = "_corrupt_record";

    /** One answer: the same fields as {@code predict --manifest} writes. */
    static final StructType RESULT = new StructType(new StructField[] {
        DataTypes.createStructField("query", DataTypes.StringType, false),
        DataTypes.createStructField("box_xyxy", DataTypes.createArrayType(DataTypes.DoubleType, false), false),
        DataTypes.createStructField("box_cxcywh_norm", DataTypes.createArrayType(DataTypes.DoubleType, false),
                false),
        DataTypes.createStructField("score", DataTypes.DoubleType, true)});

    final StructType input;
    final int image;
    final boolean imageIsBytes;
    final int query;
    final int queries;
    final int rowId;
    final int corrupt;

    private PairSchema(StructType input) {
        this.input = input;
        this.image = fieldIndex(input, IMAGE);
        if (image < 0) {
            throw new IllegalArgumentException("input has no '" + IMAGE + "' column (a path or the image's bytes); "
                    + "columns: " + Arrays.toString(input.fieldNames()));
        }
        DataType imageType = input.fields()[image].dataType();
        if (!imageType.equals(DataTypes.StringType) && !imageType.equals(DataTypes.BinaryType)) {
            throw new IllegalArgumentException("column '" + IMAGE + "' must be a string (path) or binary (bytes), "
                    + "not " + imageType.simpleString());
        }
        this.imageIsBytes = imageType.equals(DataTypes.BinaryType);
        this.query = fieldIndex(input, QUERY);
        this.queries = fieldIndex(input, QUERIES);
        if (query < 0 && queries < 0) {
            throw new IllegalArgumentException("input has neither a '" + QUERY + "' nor a '" + QUERIES
                    + "' column; columns: " + Arrays.toString(input.fieldNames()));
        }
        if (query >= 0 && !input.fields()[query].dataType().equals(DataTypes.StringType)) {
            throw new IllegalArgumentException("column '" + QUERY + "' must be a string, not "
                    + input.fields()[query].dataType().simpleString());
        }
        if (queries >= 0 && !input.fields()[queries].dataType().equals(
                DataTypes.createArrayType(DataTypes.StringType, true))
                && !input.fields()[queries].dataType().equals(DataTypes.createArrayType(DataTypes.StringType, false))) {
            throw new IllegalArgumentException("column '" + QUERIES + "' must be an array of strings, not "
                    + input.fields()[queries].dataType().simpleString());
        }
        this.rowId = fieldIndex(input, ROW_ID);
        this.corrupt = fieldIndex(input, CORRUPT);
        for (String taken : List.of(RESULTS, ERROR)) {
            if (fieldIndex(input, taken) >= 0) {
                throw new IllegalArgumentException("input already has a '" + taken + "' column, which the output "
                        + "adds: rename or drop it");
            }
        }
    }

    /**
     * @param input the input's schema, with a {@value #ROW_ID} column
     * @throws IllegalArgumentException naming the column that is missing or of the wrong type
     */
    static PairSchema of(StructType input) {
        PairSchema schema = new PairSchema(input);
        if (schema.rowId < 0) {
            throw new IllegalArgumentException("input has no '" + ROW_ID + "' column");
        }
        return schema;
    }

    /** Checks the columns of an input that has no row ids yet. */
    static void check(StructType input) {
        new PairSchema(input);
    }

    /** @return the input columns followed by {@value #RESULTS} and {@value #ERROR} */
    StructType output() {
        return input.add(RESULTS, new ArrayType(RESULT, false), true).add(ERROR, DataTypes.StringType, true);
    }

    /** @return the input row with its answers */
    Row answered(Row in, List<GroundingResult> results) {
        // arrays, not java.util.List: Spark's row encoder takes Scala sequences or Java arrays
        Row[] structs = new Row[results.size()];
        for (int i = 0; i < structs.length; i++) {
            GroundingResult r = results.get(i);
            structs[i] = RowFactory.create(r.query(), r.boxXyxy(), r.cxcywhNorm().clone(), r.score());
        }
        return extended(in, structs, null);
    }

    /** @return the input row with an error in place of answers */
    Row failed(Row in, String error) {
        return extended(in, null, error);
    }

    private static Row extended(Row in, Row[] results, String error) {
        Object[] values = new Object[in.length() + 2];
        for (int i = 0; i < in.length(); i++) {
            values[i] = in.get(i);
        }
        values[in.length()] = results;
        values[in.length() + 1] = error;
        return RowFactory.create(values);
    }

    private static int fieldIndex(StructType schema, String name) {
        String[] names = schema.fieldNames();
        for (int i = 0; i < names.length; i++) {
            if (names[i].equals(name)) {
                return i;
            }
        }
        return -1;
    }
}
