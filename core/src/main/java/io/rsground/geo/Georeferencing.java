package io.rsground.geo;

import io.rsground.image.Images;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.logging.Filter;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.sis.coverage.grid.GridGeometry;
import org.apache.sis.io.wkt.WKTFormat;
import org.apache.sis.metadata.iso.citation.Citations;
import org.apache.sis.referencing.IdentifiedObjects;
import org.apache.sis.referencing.factory.IdentifiedObjectFinder;
import org.apache.sis.referencing.operation.transform.MathTransforms;
import org.apache.sis.storage.DataStoreException;
import org.apache.sis.storage.GridCoverageResource;
import org.apache.sis.storage.StorageConnector;
import org.apache.sis.storage.event.WarningEvent;
import org.apache.sis.storage.geotiff.GeoTiffStore;
import org.opengis.metadata.Identifier;
import org.opengis.referencing.IdentifiedObject;
import org.opengis.referencing.crs.CoordinateReferenceSystem;
import org.opengis.referencing.cs.AxisDirection;
import org.opengis.referencing.datum.PixelInCell;
import org.opengis.referencing.operation.MathTransform;
import org.opengis.referencing.operation.Matrix;
import org.opengis.referencing.operation.TransformException;
import org.opengis.util.FactoryException;
import org.slf4j.LoggerFactory;

/**
 * Reads where an image lies on the map: GeoTIFF keys first (through Apache SIS), then a world
 * file beside the image.
 *
 * <p><b>GeoTIFF.</b> The first image of a {@code .tif}/{@code .tiff} file is opened with SIS's
 * {@link GeoTiffStore}; its grid-to-CRS transform is taken at the cell corner (so PixelIsPoint
 * rasters are shifted by half a pixel to the PixelIsArea convention of {@link Georeference}). A
 * transform that is not affine (several tie points) is replaced by the affine one through three
 * image corners, and the source says so. The EPSG code is the CRS's EPSG identifier, else one
 * SIS finds ignoring axis order.
 *
 * <p><b>World files</b> share the image's base name with extension {@code .tfw}/{@code .tifw}
 * (TIFF), {@code .jgw}/{@code .jpgw} (JPEG), {@code .pgw}/{@code .pngw} (PNG), generally the first
 * and last letter of the image's extension plus "w", or the extension plus "w", or {@code .wld};
 * each is looked for in lower and in upper case (not in every mixed case, which would mean listing
 * the folder: datasets keep tens of thousands of images in one). The six lines A, D, B, E, C, F
 * place the <em>centre</em> of pixel (0,0) at (C, F); the corner is half a pixel back. A
 * {@code .prj} beside it may give the CRS as WKT.
 *
 * <p><b>No EPSG database.</b> SIS runs with its built-in subset of EPSG (WGS 84 geographic, UTM
 * zones and a few others); nothing is downloaded or installed. Codes outside the subset still come
 * through when the GeoTIFF key (read directly when SIS cannot build the CRS) or the WKT's
 * AUTHORITY gives them, but cannot be looked up from an
 * unlabelled definition; ESRI-style {@code .prj} files naming "GCS_WGS_1984" or
 * "WGS_1984_UTM_Zone_NNx" are recognised by name. SIS's warning that the {@code SIS_DATA}
 * variable (its database folder) is not set is filtered out of java.util.logging, and GeoTIFF
 * reading warnings go to this class's SLF4J logger at debug level.
 */
public final class Georeferencing {
    private static final org.slf4j.Logger LOG = LoggerFactory.getLogger(Georeferencing.class);

    /** Kept here: java.util.logging holds loggers weakly, and a collected one loses its filter. */
    private static final Logger SIS_SYSTEM_LOG = quietSisDataWarning();

    private static final Pattern ESRI_UTM = Pattern.compile("WGS_?1984_UTM_Zone_(\\d{1,2})([NS])",
            Pattern.CASE_INSENSITIVE);
    private static final String[] WORLD_TERMS = {
        "A (pixel width, x change per column)", "D (y change per column, rotation)",
        "B (x change per row, rotation)", "E (pixel height, y change per row, usually negative)",
        "C (x of the centre of the top-left pixel)", "F (y of the centre of the top-left pixel)",
    };

    private Georeferencing() {
    }

    /**
     * @param image an image file
     * @return its georeference, or empty when it has neither GeoTIFF keys nor a world file
     * @throws NoSuchFileException when the image does not exist
     * @throws IOException when the TIFF cannot be parsed, or a world file is malformed (the message
     *     names the file, the line and what was expected)
     */
    public static Optional<Georeference> read(Path image) throws IOException {
        Images.requireFile(image);
        String extension = extension(image).toLowerCase(Locale.ROOT);
        if (extension.equals("tif") || extension.equals("tiff")) {
            Optional<Georeference> fromKeys = readGeoTiff(image);
            if (fromKeys.isPresent()) {
                return fromKeys;
            }
        }
        for (Path candidate : worldFileCandidates(image)) {
            if (Files.isRegularFile(candidate)) {
                return Optional.of(readWorldFile(candidate));
            }
        }
        return Optional.empty();
    }

    /**
     * @return the georeference of the TIFF's first image, empty when it has no GeoTIFF keys
     * @throws IOException when SIS cannot read the TIFF's header
     */
    static Optional<Georeference> readGeoTiff(Path tiff) throws IOException {
        // the connector is given the Path, so SIS opens the local file and nothing else
        try (GeoTiffStore store = new GeoTiffStore(null, new StorageConnector(tiff))) {
            store.addListener(WarningEvent.class,
                    event -> LOG.debug("{}: {}", tiff, event.getDescription().getMessage()));
            List<GridCoverageResource> images = store.components();
            if (images.isEmpty()) {
                return Optional.empty();
            }
            GridGeometry grid = images.get(0).getGridGeometry();
            if (!grid.isDefined(GridGeometry.GRID_TO_CRS)) {
                return Optional.empty();
            }
            CoordinateReferenceSystem crs = grid.isDefined(GridGeometry.CRS)
                    ? grid.getCoordinateReferenceSystem() : null;
            MathTransform gridToCrs = grid.getGridToCRS(PixelInCell.CELL_CORNER);
            Matrix matrix = MathTransforms.getMatrix(gridToCrs);
            String source = "GeoTIFF";
            double[] affine;
            if (matrix != null) {
                affine = affineOf(matrix);
            } else {
                affine = affineThroughCorners(gridToCrs, grid, tiff);
                source = "GeoTIFF (non-affine transform approximated through three corners)";
            }
            if (crs != null && isNorthing(crs.getCoordinateSystem().getAxis(0).getDirection())) {
                // map x must be easting or longitude: swap the two output rows
                affine = new double[] {affine[3], affine[4], affine[5], affine[0], affine[1], affine[2]};
            }
            Integer epsg = crs == null ? null : epsgOf(crs);
            if (epsg == null) {
                // SIS builds no CRS for codes outside its EPSG subset (e.g. 3857, 2154): the key still says it
                epsg = GeoKeyCodes.epsgKey(tiff);
            }
            return Optional.of(Georeference.of(affine, epsg, source));
        } catch (DataStoreException | TransformException | RuntimeException e) {
            throw new IOException(tiff + ": cannot read its GeoTIFF georeferencing: " + e.getMessage(), e);
        }
    }

    private static double[] affineOf(Matrix m) {
        int last = m.getNumCol() - 1;
        return new double[] {
            m.getElement(0, 0), m.getElement(0, 1), m.getElement(0, last),
            m.getElement(1, 0), m.getElement(1, 1), m.getElement(1, last),
        };
    }

    private static double[] affineThroughCorners(MathTransform gridToCrs, GridGeometry grid, Path tiff)
            throws TransformException {
        if (!grid.isDefined(GridGeometry.EXTENT) || gridToCrs.getSourceDimensions() != 2) {
            throw new IllegalStateException(tiff + ": a non-affine " + gridToCrs.getSourceDimensions()
                    + "-D grid-to-CRS transform without a 2-D grid extent cannot be approximated");
        }
        double w = grid.getExtent().getSize(0);
        double h = grid.getExtent().getSize(1);
        double[] points = {0, 0, w, 0, 0, h};
        double[] out = new double[3 * gridToCrs.getTargetDimensions()];
        gridToCrs.transform(points, 0, out, 0, 3);
        int n = gridToCrs.getTargetDimensions();
        double x0 = out[0];
        double y0 = out[1];
        return new double[] {
            (out[n] - x0) / w, (out[2 * n] - x0) / h, x0,
            (out[n + 1] - y0) / w, (out[2 * n + 1] - y0) / h, y0,
        };
    }

    private static boolean isNorthing(AxisDirection direction) {
        return direction == AxisDirection.NORTH || direction == AxisDirection.SOUTH;
    }

    /**
     * @return the CRS's EPSG code: its EPSG identifier, else the one SIS's EPSG subset matches
     *     ignoring axis order (GeoTIFF's WGS 84 comes back as longitude-first CRS:84), else an
     *     ESRI name we know, else null
     */
    static Integer epsgOf(CoordinateReferenceSystem crs) {
        Integer code = epsgIdentifier(crs);
        if (code != null) {
            return code;
        }
        try {
            IdentifiedObjectFinder finder = IdentifiedObjects.newFinder("EPSG");
            finder.setIgnoringAxes(true);
            IdentifiedObject found = finder.findSingleton(crs);
            code = found == null ? null : epsgIdentifier(found);
        } catch (FactoryException e) {
            LOG.debug("no EPSG code found for {}: {}", crs.getName(), e.getMessage());
        }
        return code != null ? code : esriNameCode(crs.getName().getCode());
    }

    private static Integer epsgIdentifier(IdentifiedObject object) {
        Identifier id = IdentifiedObjects.getIdentifier(object, Citations.EPSG);
        if (id == null) {
            return null;
        }
        try {
            return Integer.valueOf(id.getCode().trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** @return the EPSG code behind the names ArcGIS writes for WGS 84 and its UTM zones, or null */
    static Integer esriNameCode(String name) {
        if (name == null) {
            return null;
        }
        if (name.equalsIgnoreCase("GCS_WGS_1984")) {
            return 4326;
        }
        Matcher utm = ESRI_UTM.matcher(name);
        if (utm.matches()) {
            int zone = Integer.parseInt(utm.group(1));
            if (zone >= 1 && zone <= 60) {
                return (utm.group(2).equalsIgnoreCase("N") ? 32600 : 32700) + zone;
            }
        }
        return null;
    }

    /** @return the world files that may belong to the image, most specific first */
    static List<Path> worldFileCandidates(Path image) {
        String name = image.getFileName().toString();
        String extension = extension(image);
        String base = extension.isEmpty() ? name : name.substring(0, name.length() - extension.length() - 1);
        Set<String> suffixes = new LinkedHashSet<>();
        String ext = extension.toLowerCase(Locale.ROOT);
        if (ext.equals("tif") || ext.equals("tiff")) {
            suffixes.add("tfw");
            suffixes.add("tifw");
            suffixes.add("tiffw");
        } else if (ext.equals("jpg") || ext.equals("jpeg")) {
            suffixes.add("jgw");
            suffixes.add("jpgw");
            suffixes.add("jpegw");
        } else if (ext.equals("png")) {
            suffixes.add("pgw");
            suffixes.add("pngw");
        } else if (ext.length() >= 2) {
            suffixes.add("" + ext.charAt(0) + ext.charAt(ext.length() - 1) + "w");
            suffixes.add(ext + "w");
        }
        suffixes.add("wld");
        List<Path> candidates = new ArrayList<>();
        for (String suffix : suffixes) {
            candidates.add(image.resolveSibling(base + "." + suffix));
            candidates.add(image.resolveSibling(base + "." + suffix.toUpperCase(Locale.ROOT)));
        }
        return candidates;
    }

    /**
     * @param worldFile six lines A, D, B, E, C, F (blank lines after them are allowed)
     * @return the georeference at pixel corners, with the EPSG code of a {@code .prj} beside it
     * @throws IOException naming the file and line when a line is missing, not a number, or extra
     */
    static Georeference readWorldFile(Path worldFile) throws IOException {
        List<String> lines = Files.readAllLines(worldFile, StandardCharsets.ISO_8859_1);
        double[] v = new double[6];
        for (int i = 0; i < 6; i++) {
            if (i >= lines.size() || lines.get(i).isBlank()) {
                throw new IOException(worldFile + " line " + (i + 1) + ": expected term " + WORLD_TERMS[i]
                        + " as a number, found " + (i >= lines.size() ? "the end of the file" : "an empty line")
                        + " (a world file has six lines: A, D, B, E, C, F)");
            }
            try {
                v[i] = Double.parseDouble(lines.get(i).trim());
            } catch (NumberFormatException e) {
                throw new IOException(worldFile + " line " + (i + 1) + ": expected term " + WORLD_TERMS[i]
                        + " as a number, found \"" + lines.get(i).trim() + "\"", e);
            }
        }
        for (int i = 6; i < lines.size(); i++) {
            if (!lines.get(i).isBlank()) {
                throw new IOException(worldFile + " line " + (i + 1) + ": expected the end of the file after"
                        + " six terms (A, D, B, E, C, F), found \"" + lines.get(i).trim() + "\"");
            }
        }
        double a = v[0];
        double d = v[1];
        double b = v[2];
        double e = v[3];
        // (C, F) is the centre of pixel (0,0), i.e. corner coordinates (0.5, 0.5)
        double[] affine = {a, b, v[4] - a / 2 - b / 2, d, e, v[5] - d / 2 - e / 2};
        Path prj = prjBeside(worldFile);
        String source = "world file " + worldFile.getFileName() + (prj == null ? "" : " + " + prj.getFileName());
        Integer epsg = prj == null ? null : epsgOfPrj(prj);
        try {
            return Georeference.of(affine, epsg, source);
        } catch (IllegalArgumentException invalid) {
            throw new IOException(worldFile + ": not a usable world file: " + invalid.getMessage(), invalid);
        }
    }

    private static Path prjBeside(Path worldFile) {
        String name = worldFile.getFileName().toString();
        String base = name.substring(0, name.lastIndexOf('.'));
        for (String ext : new String[] {"prj", "PRJ"}) {
            Path prj = worldFile.resolveSibling(base + "." + ext);
            if (Files.isRegularFile(prj)) {
                return prj;
            }
        }
        return null;
    }

    /** @return the EPSG code of the WKT in a {@code .prj}, or null when it cannot be told (logged at debug) */
    static Integer epsgOfPrj(Path prj) throws IOException {
        String wkt = Files.readString(prj, StandardCharsets.ISO_8859_1).trim();
        try {
            // WKTFormat rather than CRS.fromWKT: the latter logs its warnings (e.g. WKT 1's
            // longitude-first axes differing from EPSG's) as java.util.logging warnings
            Object parsed = new WKTFormat(null, null).parseObject(wkt);
            if (parsed instanceof CoordinateReferenceSystem crs) {
                return epsgOf(crs);
            }
            LOG.debug("{}: the WKT is a {}, not a CRS", prj, parsed.getClass().getSimpleName());
        } catch (java.text.ParseException | RuntimeException e) {
            LOG.debug("{}: unreadable WKT, CRS left unknown: {}", prj, e.getMessage());
        }
        return null;
    }

    private static String extension(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot <= 0 ? "" : name.substring(dot + 1);
    }

    /**
     * SIS warns once per JVM, through java.util.logging, that the {@code SIS_DATA} environment
     * variable is unset, i.e. that it has no EPSG database. We ship none on purpose, so the warning
     * is noise; a filter drops that record alone and only when nobody has set a filter already.
     */
    private static Logger quietSisDataWarning() {
        Logger logger = Logger.getLogger("org.apache.sis.system");
        if (logger.getFilter() == null) {
            // the record holds a resource key (DataDirectoryNotSpecified_1) and the variable's name as parameter
            Filter filter = record -> !mentionsSisData(record);
            logger.setFilter(filter);
        }
        return logger;
    }

    private static boolean mentionsSisData(LogRecord record) {
        if (record.getMessage() != null && record.getMessage().contains("SIS_DATA")) {
            return true;
        }
        Object[] parameters = record.getParameters();
        return parameters != null && Arrays.asList(parameters).contains("SIS_DATA");
    }

    /** @return the logger whose SIS_DATA warning is filtered (for tests) */
    static Logger sisSystemLogger() {
        return SIS_SYSTEM_LOG;
    }
}
