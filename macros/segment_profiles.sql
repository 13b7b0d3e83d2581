{#-
    The engagement metrics profiled per segment (dim_segments, fct_segment_metrics),
    as columns of fct_user_features.  Labels, display formats and naming phrases of
    each metric live in seeds/segment_naming_phrases.csv (a test checks that every
    metric listed here has a row there).
-#}
{% macro segment_profile_metrics() %}
    {#- the exploration columns except the composite engagement score -#}
    {{ return(exploration_numeric_columns() | reject('equalto', 'engagement_score') | list) }}
{% endmacro %}

{#- The demographic (and device) attributes profiled per segment: every categorical attribute. -#}
{% macro segment_profile_attributes() %}
    {{ return(categorical_attributes()) }}
{% endmacro %}

{#-
    SHA-256 of the audience salt followed by the user id, as 64 lower-case hex digits.
    The salt is read from the DuckDB session variable `audience_hash_salt`, which the
    project's dbt-duckdb plugin (python/user_segmentation/duckdb_plugin.py) sets from the
    environment variable AUDIENCE_HASH_SALT on every connection.  The salt therefore never
    appears in compiled SQL, dbt logs, tables or files.
-#}
{% macro audience_hashed_id(user_id) -%}
    sha256(coalesce(getvariable('audience_hash_salt'), '') || cast({{ user_id }} as varchar))
{%- endmacro %}

{#-
    Murmur3's 32-bit finaliser (fmix32) of a UBIGINT expression below 2^32: a
    bijection on 32-bit numbers whose every output bit depends on every input
    bit.  Plain integer arithmetic, so it is vectorised, exact and the same on
    every machine and DuckDB version (unlike DuckDB's hash()).
-#}
{% macro fmix32(value) -%}
    {%- set mask = '4294967295::ubigint' -%}
    {%- set h1 = '((xor((' ~ value ~ '), (' ~ value ~ ') >> 16) * 2246822507::ubigint) & ' ~ mask ~ ')' -%}
    {%- set h2 = '((xor(' ~ h1 ~ ', ' ~ h1 ~ ' >> 13) * 3266489909::ubigint) & ' ~ mask ~ ')' -%}
    xor({{ h2 }}, {{ h2 }} >> 16)
{%- endmacro %}

{#- The first 32 bits of SHA-256 of a text expression, as a UBIGINT. -#}
{% macro sha256_key32(text) -%}
    ('0x' || substr(sha256({{ text }}), 1, 8))::ubigint
{%- endmacro %}

{#-
    A user's holdout key: 32 bits drawn from the holdout seed and the user id
    (fmix32 of the id's low half xor the seed's key, then of that xor the high
    half).  Computed once per user (int_segment_members); each campaign's draw
    mixes it with the campaign's key (holdout_draw), so that one pass of
    integer arithmetic replaces a SHA-256 per campaign and user.
-#}
{% macro holdout_key(user_id) -%}
    {%- set seed_key = sha256_key32("'" ~ (user_segmentation_number_var('holdout_seed') | int) ~ "'") -%}
    {%- set low = fmix32('xor(cast(' ~ user_id ~ ' as ubigint) & 4294967295::ubigint, ' ~ seed_key ~ ')') -%}
    {{ fmix32('xor(' ~ low ~ ', (cast(' ~ user_id ~ ' as ubigint) >> 32) & 4294967295::ubigint)') }}
{%- endmacro %}

{#-
    A number in [0, 1) drawn deterministically from the holdout seed, the
    campaign and the user: fmix32(user's holdout_key xor campaign's key) / 2^32,
    the campaign's key being the first 32 bits of
    SHA-256('<holdout_seed>:<campaign_id>').  Each campaign gets its own
    holdout (independent across campaigns); the same settings give the same
    holdout.
-#}
{% macro campaign_holdout_key(campaign_id) -%}
    {{ sha256_key32("'" ~ (user_segmentation_number_var('holdout_seed') | int) ~ ":' || " ~ campaign_id) }}
{%- endmacro %}

{% macro holdout_draw(user_holdout_key, campaign_key) -%}
    {{ fmix32('xor(' ~ user_holdout_key ~ ', ' ~ campaign_key ~ ')') }} / 4294967296.0
{%- endmacro %}

{#-
    One row, one column `bit_by_interest`: a map from interest_id to its bit
    (1, 2, 4, ... in interest_id order) for interest masks, so that "lists one
    of the campaign's interests" is one AND of two integers.
-#}
{% macro interest_bits_relation() -%}
    (
        select map_from_entries(list((interest_id, interest_bit))) as bit_by_interest
        from {{ interest_bit_rows() }}
    )
{%- endmacro %}

{#- One row per interest of the taxonomy: interest_id and its bit of the interest mask (interest ids in order: 1, 2, 4, ...). -#}
{% macro interest_bit_rows() -%}
    (
        select
            interest_id,
            (1::bigint << (row_number() over (order by interest_id) - 1))::bigint as interest_bit
        from {{ ref('interest_taxonomy') }}
    )
{%- endmacro %}

{#- The OR of the bits of a list of values, looked up in `bit_map` (a map value -> bit); 0 for an empty list. -#}
{% macro bit_mask(values, bit_map) -%}
    coalesce(
        list_aggregate(list_transform({{ values }}, lambda x: map_extract_value({{ bit_map }}, x)), 'bit_or'),
        0
    )::bigint
{%- endmacro %}

{#- The interest mask of a list of interest ids (0 for an empty list). -#}
{% macro interest_mask(interest_ids, bits='interest_bits') -%}
    {{ bit_mask(interest_ids, bits ~ '.bit_by_interest') }}
{%- endmacro %}

{#-
    Campaign constraints as bits, so that the campaigns x users join of
    int_campaign_eligible_users compares integers instead of looking strings
    up in lists (10M users x 8 campaigns: 0.42 s against 0.94 s per
    evaluation; the join is evaluated by the scores model and by every test
    of the audience view). A user carries one bit per attribute
    (`device_bits`: one per device used; `age_band_bit`, `income_band_bit`:
    the band's), a campaign one mask per constraint (the bits of its listed
    values); a user meets a constraint when the AND is not 0.
-#}

{#-
    How over-represented a share is in a segment, for the attribute and
    interest profiles: `lift` is share in segment / share in population (null
    when nobody in the population has it); `standardized_difference` is
    (share in segment - share in population) / sqrt(p (1 - p)), p the share in
    population, the difference in population SDs of a 0/1 indicator (null when
    p is 0 or 1). Both read columns share_in_segment and share_in_population.
-#}
{% macro share_lift() -%}
    case
        when share_in_population > 0 then share_in_segment / share_in_population
    end
{%- endmacro %}

{% macro share_standardized_difference() -%}
    case
        when share_in_population > 0 and share_in_population < 1
            then
                (share_in_segment - share_in_population)
                / sqrt(share_in_population * (1 - share_in_population))
    end
{%- endmacro %}

{#- The devices a campaign can target, in bit order (mobile 1, desktop 2, tablet 4). -#}
{% macro campaign_devices() %}
    {{ return(['mobile', 'desktop', 'tablet']) }}
{% endmacro %}

{#- A user's device bits from the booleans uses_mobile, uses_desktop, uses_tablet of `relation`. -#}
{% macro device_bits(relation) -%}
    (
        {%- for device in campaign_devices() %}
            (coalesce({{ relation }}.uses_{{ device }}, false)::integer << {{ loop.index0 }}){{ ' |' if not loop.last }}
        {%- endfor %}
    )
{%- endmacro %}

{#- True when device bits `bits` (macro device_bits) include `device`. -#}
{% macro has_device_bit(bits, device) -%}
    (({{ bits }} & {{ 2 ** campaign_devices().index(device) }}) != 0)
{%- endmacro %}

{#-
    True when the users of `users` (columns device_bits, age_band_bit,
    income_band_bit) meet the constraints of the campaign `campaigns` (a row of
    int_campaign_keys): the one definition of an eligible user, shared by
    int_campaign_eligible_users (per user) and int_campaign_segment_scores
    (per group of users with the same bits).
-#}
{% macro meets_campaign_constraints(campaigns, users) -%}
    (
        not {{ campaigns }}.has_device_constraint
        or ({{ campaigns }}.target_device_mask & {{ users }}.device_bits) != 0
    )
    and (
        not {{ campaigns }}.has_age_constraint
        or ({{ campaigns }}.target_age_band_mask & {{ users }}.age_band_bit) != 0
    )
    and (
        not {{ campaigns }}.has_income_constraint
        or ({{ campaigns }}.target_income_band_mask & {{ users }}.income_band_bit) != 0
    )
{%- endmacro %}

{#-
    True when the users of `users` (column interest_mask) have at least one
    interest of the campaign `campaigns` (column target_interest_mask): the one
    definition of an interested user, shared like meets_campaign_constraints.
-#}
{% macro has_target_interest(campaigns, users) -%}
    (({{ campaigns }}.target_interest_mask & {{ users }}.interest_mask) != 0)
{%- endmacro %}

{#- A campaign's device mask from its list of target devices (0 for an empty list). -#}
{% macro device_mask(target_devices) -%}
    (
        {%- for device in campaign_devices() %}
            (list_contains({{ target_devices }}, '{{ device }}')::integer << {{ loop.index0 }}){{ ' |' if not loop.last }}
        {%- endfor %}
    )
{%- endmacro %}

{#-
    One row, columns `bit_by_age_band` and `bit_by_income_band`: maps from a
    band (seed category_values) to its bit (1, 2, 4, ... in sort_order; a
    BIGINT holds 63 bands per attribute).
-#}
{% macro band_bits_relation() -%}
    (
        select
            {%- for attribute in ['age_band', 'income_band'] %}
                map_from_entries(
                    list((value, 1::bigint << (band_rank - 1))) filter (where attribute = '{{ attribute }}')
                ) as bit_by_{{ attribute }}{{ ',' if not loop.last }}
            {%- endfor %}
        from (
            select
                attribute,
                value,
                row_number() over (partition by attribute order by sort_order) as band_rank
            from {{ ref('category_values') }}
        ) as ranked_values
    )
{%- endmacro %}

{#- The mask of a list of bands of `attribute` (0 for an empty list or unknown bands). -#}
{% macro band_mask(bands, attribute, bits='band_bits') -%}
    {{ bit_mask(bands, bits ~ '.bit_by_' ~ attribute) }}
{%- endmacro %}
