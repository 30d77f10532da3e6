-- 0003: the store's change counter, for several app servers on one database, and the map payloads' table.
--
-- store_version is one row; every transaction that writes the data (features, history, views, editor accounts)
-- adds one to it when it commits, in that same transaction — whoever writes: the app, the CLI, QGIS, psql. An app
-- server reads it once per rerun (one tiny SELECT) and uses it as the key of its caches: an edit made on another
-- server is seen at the next rerun. The bump is a deferred constraint trigger, so it runs at commit, after the
-- writer's own statements: the counter's row lock is held for a moment only, and editors of different projects
-- barely wait for each other. A transaction-local setting makes it one bump per transaction, not one per row.
CREATE TABLE store_version (
    id integer PRIMARY KEY CHECK (id = 1),
    version bigint NOT NULL,
    changed_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO store_version(id, version) VALUES (1, 0);

CREATE FUNCTION projectmap_bump_store_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('projectmap.version_bumped', true) = 'on' THEN
        RETURN NULL;
    END IF;
    PERFORM set_config('projectmap.version_bumped', 'on', true);
    UPDATE store_version SET version = version + 1, changed_at = now() WHERE id = 1;
    RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER counties_bump_version AFTER INSERT OR UPDATE OR DELETE ON counties
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION projectmap_bump_store_version();
CREATE CONSTRAINT TRIGGER projects_bump_version AFTER INSERT OR UPDATE OR DELETE ON projects
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION projectmap_bump_store_version();
CREATE CONSTRAINT TRIGGER status_history_bump_version AFTER INSERT OR UPDATE OR DELETE ON status_history
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION projectmap_bump_store_version();
CREATE CONSTRAINT TRIGGER geometry_history_bump_version AFTER INSERT OR UPDATE OR DELETE ON geometry_history
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION projectmap_bump_store_version();
CREATE CONSTRAINT TRIGGER verification_history_bump_version AFTER INSERT OR UPDATE OR DELETE ON verification_history
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION projectmap_bump_store_version();
CREATE CONSTRAINT TRIGGER views_bump_version AFTER INSERT OR UPDATE OR DELETE ON views
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION projectmap_bump_store_version();
CREATE CONSTRAINT TRIGGER editor_accounts_bump_version AFTER INSERT OR UPDATE OR DELETE ON editor_accounts
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION projectmap_bump_store_version();

-- The web map's prebuilt payloads (layers.webpayload, as the GeoPackage's table of that name): each with the
-- digest of the rows and of the code it was made from, handed out only while that digest still matches. Not data:
-- writing here does not bump the counter.
CREATE TABLE web_payloads (
    kind text NOT NULL,
    variant text NOT NULL,
    digest text NOT NULL,
    ids text NOT NULL,
    body bytea NOT NULL,
    PRIMARY KEY (kind, variant)
);
