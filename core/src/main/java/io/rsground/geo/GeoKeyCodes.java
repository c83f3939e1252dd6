package io.rsground.geo;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.plugins.tiff.GeoTIFFTagSet;
import javax.imageio.plugins.tiff.TIFFDirectory;
import javax.imageio.plugins.tiff.TIFFField;
import javax.imageio.stream.ImageInputStream;

/**
 * Reads the CRS code straight from a TIFF's GeoKeyDirectoryTag with the JDK's TIFF reader, for
 * when Apache SIS, lacking a full EPSG database, cannot build the CRS the key names (so its grid
 * geometry has no CRS, yet the code is plainly there).
 */
final class GeoKeyCodes {
    private static final int GEOGRAPHIC_TYPE = 2048;
    private static final int PROJECTED_CS_TYPE = 3072;
    /** GeoTIFF's "user-defined" value: the CRS is described by other keys, not by a code. */
    private static final int USER_DEFINED = 32767;

    private GeoKeyCodes() {
    }

    /**
     * @return the ProjectedCSTypeGeoKey, else the GeographicTypeGeoKey, of the first image; null
     *     when neither is a code (absent, user-defined) or the JDK cannot read the TIFF (BigTIFF)
     */
    static Integer epsgKey(Path tiff) {
        Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName("tiff");
        while (readers.hasNext()) {
            ImageReader reader = readers.next();
            try (ImageInputStream stream = ImageIO.createImageInputStream(tiff.toFile())) {
                if (reader.getClass().getName().startsWith("com.sun.") && stream != null) {
                    reader.setInput(stream, true, false);
                    TIFFDirectory ifd = TIFFDirectory.createFromMetadata(reader.getImageMetadata(0));
                    return codeIn(ifd.getTIFFField(GeoTIFFTagSet.TAG_GEO_KEY_DIRECTORY));
                }
            } catch (IOException | RuntimeException e) {
                return null;
            } finally {
                reader.dispose();
            }
        }
        return null;
    }

    /** @param directory the GeoKeyDirectoryTag: a 4-short header, then (key, location, count, value) */
    static Integer codeIn(TIFFField directory) {
        if (directory == null) {
            return null;
        }
        int[] keys = directory.getAsInts();
        Integer geographic = null;
        for (int i = 4; i + 3 < keys.length; i += 4) {
            // location 0: the value is in the entry itself, as codes are
            boolean code = keys[i + 1] == 0 && keys[i + 3] > 0 && keys[i + 3] != USER_DEFINED;
            if (code && keys[i] == PROJECTED_CS_TYPE) {
                return keys[i + 3];
            }
            if (code && keys[i] == GEOGRAPHIC_TYPE) {
                geographic = keys[i + 3];
            }
        }
        return geographic;
    }
}
