-- Every interest of a staged user appears once in stg_user_interests, and
-- nothing else does: the user x interest model is the exact unnest of
-- stg_user_profiles.top_interests.
with

expected as (

    select sum(interest_count) as expected_rows from {{ ref('stg_user_profiles') }}

),

actual as (

    select count(*) as actual_rows from {{ ref('stg_user_interests') }}

)

select
    expected.expected_rows,
    actual.actual_rows
from expected
cross join actual
where expected.expected_rows <> actual.actual_rows
