-- 0001: the shared store's tables: the same tables and fields as the GeoPackage (core/fields.py), one projects table
-- for every geometry type (with the GeoPackage's three layers as views), history tables as in layers/history.py.
CREATE EXTENSION IF NOT EXISTS postgis;

CREATE TABLE counties (
    fid bigserial PRIMARY KEY,
    adcode text NOT NULL,
    name text NOT NULL,
    geom geometry(MultiPolygon, 4326) NOT NULL
);
CREATE INDEX counties_geom_gist ON counties USING gist (geom);

CREATE TABLE projects (
    fid bigserial PRIMARY KEY,
    id text NOT NULL UNIQUE,
    name text,
    aliases text,
    category text,
    county text,
    status text,
    target_year integer,
    lead_agency text,
    support_agencies text,
    plan_section text,
    plan_excerpt text,
    geom_source text,
    precision text,
    precision_m double precision,
    location_note text,
    evidence text,
    evidence_kind text,
    verification text,
    geom geometry(Geometry, 4326) NOT NULL
);
CREATE INDEX projects_geom_gist ON projects USING gist (geom);
CREATE INDEX projects_status ON projects (status);

CREATE TABLE status_history (
    fid bigserial PRIMARY KEY,
    project_id text NOT NULL,
    old_status text,
    new_status text NOT NULL,
    effective_date text NOT NULL,
    note text,
    source text,
    editor text NOT NULL,
    recorded_at text NOT NULL
);
CREATE INDEX idx_status_history_project ON status_history (project_id, effective_date);

-- geom_wkb of the GeoPackage is this geometry column (ISO WKB in and out: ST_GeomFromWKB / ST_AsBinary)
CREATE TABLE geometry_history (
    fid bigserial PRIMARY KEY,
    project_id text NOT NULL,
    action text NOT NULL,
    geom geometry(Geometry, 4326) NOT NULL,
    geom_wkt text,
    geom_type text NOT NULL,
    precision text,
    precision_m double precision,
    geom_source text,
    layer text,
    restored_from bigint,
    editor text NOT NULL,
    note text,
    recorded_at text NOT NULL
);
CREATE INDEX idx_geometry_history_project ON geometry_history (project_id);
CREATE INDEX geometry_history_geom_gist ON geometry_history USING gist (geom);

CREATE TABLE verification_history (
    fid bigserial PRIMARY KEY,
    project_id text NOT NULL,
    state text NOT NULL,
    verified_on text NOT NULL,
    source text NOT NULL,
    note text,
    editor text NOT NULL,
    recorded_at text NOT NULL
);
CREATE INDEX idx_verification_history_project ON verification_history (project_id);

CREATE TABLE views (
    fid bigserial PRIMARY KEY,
    name text NOT NULL UNIQUE,
    title text,
    note text,
    query text NOT NULL,
    bbox text,
    basemap text NOT NULL DEFAULT 'none',
    position integer NOT NULL,
    created_by text NOT NULL,
    created_at text NOT NULL,
    edited_by text,
    edited_at text
);

-- editor accounts (a GeoPackage deployment keeps them in config/editors.toml): bcrypt hashes only
CREATE TABLE editor_accounts (
    username text PRIMARY KEY,
    name text NOT NULL,
    password_hash text NOT NULL CHECK (password_hash LIKE '$2%')
);
