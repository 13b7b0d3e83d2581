{{ config(severity='warn') }}
-- Warns when AUDIENCE_HASH_SALT is empty: audience ids are then sha256 of the
-- bare user id, which anyone can reverse by hashing every possible id. Set the
-- environment variable (and keep it secret) before sharing audience files.
select 'AUDIENCE_HASH_SALT is empty: audience ids are unsalted SHA-256 of the user id' as problem
where coalesce(getvariable('audience_hash_salt'), '') = ''
