-- 0005: the login limits of every app server (layers.login, layers.stores.pg_login), the deployment's like the
-- editor accounts: in public only, shared by all regions (a region's migration finds them made: IF NOT EXISTS).
--
-- One row per counted key: kind 'name' (a user name), 'client' or 'all'; key_hash is HMAC-SHA256 of the key under
-- login_failure_key's secret, so no user name or address is stored in clear. last_at: seconds since the epoch.
-- Not a data table: no store_version trigger (a wrong password does not make the map caches stale).
CREATE TABLE IF NOT EXISTS public.login_failures (
    kind text NOT NULL CHECK (kind IN ('name', 'client', 'all')),
    key_hash bytea NOT NULL CHECK (length(key_hash) = 32),
    failures integer NOT NULL CHECK (failures > 0),
    last_at double precision NOT NULL,
    PRIMARY KEY (kind, key_hash)
);
CREATE INDEX IF NOT EXISTS login_failures_kind_last ON public.login_failures (kind, last_at);

-- the HMAC secret: 32 random bytes made once per database (gen_random_uuid: PostgreSQL's strong random source)
CREATE TABLE IF NOT EXISTS public.login_failure_key (
    id integer PRIMARY KEY CHECK (id = 1),
    secret bytea NOT NULL
);
INSERT INTO public.login_failure_key (id, secret)
VALUES (1, decode(replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''), 'hex'))
ON CONFLICT (id) DO NOTHING;
