-- The same comparison as V2's (and Versions.compare), written as one expression so PostgreSQL inlines it into the
-- query: called once per profile, V2's body (a sub-select over generate_series) made a technographic segment of a
-- million profiles take 6.3 s to count; inlined, 1.2 s. Not STRICT (a STRICT function whose body is not provably strict
-- is never inlined): NULL in, NULL out is said explicitly. Parts are padded with zeros to five, then compared as arrays.
CREATE OR REPLACE FUNCTION version_cmp(a text, b text) RETURNS integer LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN a IS NULL OR b IS NULL OR a !~ '^[0-9]{1,9}(\.[0-9]{1,9}){0,4}$' OR b !~ '^[0-9]{1,9}(\.[0-9]{1,9}){0,4}$' THEN NULL
        WHEN (string_to_array(a, '.')::bigint[] || '{0,0,0,0}'::bigint[])[1:5] < (string_to_array(b, '.')::bigint[] || '{0,0,0,0}'::bigint[])[1:5] THEN -1
        WHEN (string_to_array(a, '.')::bigint[] || '{0,0,0,0}'::bigint[])[1:5] > (string_to_array(b, '.')::bigint[] || '{0,0,0,0}'::bigint[])[1:5] THEN 1
        ELSE 0 END
$$;
