-- 0004: several regions in one database (layers.stores.pg_region): the default region's tables in public, each
-- other region's in a schema of its own, every schema migrated by these same steps.
--
-- The change counter bumped is the one of the schema the written table is in. The function of 0003 found
-- store_version through the writer's search path, so a write to heze.projects from a session on public (psql, QGIS)
-- would have bumped public's counter and left heze's app caches stale. Once per transaction and schema.
CREATE OR REPLACE FUNCTION projectmap_bump_store_version() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    done text := coalesce(current_setting('projectmap.version_bumped', true), '');
    mark text := '/' || TG_TABLE_SCHEMA || '/';
BEGIN
    IF position(mark IN done) > 0 THEN
        RETURN NULL;
    END IF;
    PERFORM set_config('projectmap.version_bumped', done || mark, true);
    EXECUTE format('UPDATE %I.store_version SET version = version + 1, changed_at = now() WHERE id = 1',
                   TG_TABLE_SCHEMA);
    RETURN NULL;
END $$;

-- Editor accounts are the deployment's, not a region's: one login for every region. A region's schema keeps none
-- of its own; its store reads and writes public.editor_accounts through its search path (region, public).
-- projectmap.region is set by layers.stores.migrate while it migrates a region's schema.
DO $$
BEGIN
    IF coalesce(current_setting('projectmap.region', true), '') <> '' THEN
        DROP TABLE editor_accounts;
    END IF;
END $$;
