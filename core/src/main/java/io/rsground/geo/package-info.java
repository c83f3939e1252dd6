/**
 * Georeferencing of scenes and GeoJSON output: {@link io.rsground.geo.Georeferencing} reads where
 * an image lies on the map (GeoTIFF keys through Apache SIS, else a world file) as a
 * {@link io.rsground.geo.Georeference}; {@link io.rsground.geo.GeoJson} writes boxes as map or
 * pixel polygons; {@link io.rsground.geo.SceneReader} reads windows of large scenes with the JDK's
 * TIFF reader (TwelveMonkeys 3.12 fails on source regions of multi-tile TIFFs).
 */
package io.rsground.geo;
