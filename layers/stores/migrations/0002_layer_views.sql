-- 0002: the GeoPackage's three project layers as views, for QGIS users who expect one geometry type per layer.
CREATE VIEW projects_point AS
    SELECT * FROM projects WHERE GeometryType(geom) IN ('POINT', 'MULTIPOINT');
CREATE VIEW projects_line AS
    SELECT * FROM projects WHERE GeometryType(geom) IN ('LINESTRING', 'MULTILINESTRING');
CREATE VIEW projects_polygon AS
    SELECT * FROM projects WHERE GeometryType(geom) IN ('POLYGON', 'MULTIPOLYGON');
