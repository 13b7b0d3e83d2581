-- One row per campaign of seeds/campaigns.csv, with its interest, device, age
-- and income lists parsed and matched to the taxonomy and reference values.
-- Terms that match nothing are listed in `unresolved_terms` (a test fails on
-- them, so a typo in the seed stops the build instead of silently widening
-- or emptying the audience).
with

campaigns as (

    select * from {{ ref('campaigns') }}

),

interest_taxonomy as (

    select * from {{ ref('interest_taxonomy') }}

),

category_values as (

    select * from {{ ref('category_values') }}

),

listed_terms as (

    select
        campaign_id,
        term_kind,
        trim(unnest(string_split(coalesce(term_list, ''), ';'))) as term
    from (
        select
            campaign_id,
            'interest' as term_kind,
            interests as term_list
        from campaigns
        union all
        select
            campaign_id,
            'interest_category' as term_kind,
            interest_categories as term_list
        from campaigns
        union all
        select
            campaign_id,
            'device' as term_kind,
            devices as term_list
        from campaigns
        union all
        select
            campaign_id,
            'age_band' as term_kind,
            age_bands as term_list
        from campaigns
        union all
        select
            campaign_id,
            'income_band' as term_kind,
            income_bands as term_list
        from campaigns
    ) as term_lists

),

terms as (

    select distinct
        campaign_id,
        term_kind,
        term
    from listed_terms
    where term != ''

),

devices as (

    select
        device,
        list_position({{ campaign_devices() }}, device) as device_position
    from (select unnest({{ campaign_devices() }}) as device) as device_list

),

resolved as (

    -- interests by name or id
    select
        terms.campaign_id,
        terms.term_kind,
        terms.term,
        'interest' as value_kind,
        interest_taxonomy.interest_id as resolved_value,
        0 as value_order
    from terms
    inner join interest_taxonomy
        on
            terms.term_kind = 'interest'
            and lower(terms.term) in (lower(interest_taxonomy.interest_name), lower(interest_taxonomy.interest_id))

    union all

    -- every interest of a category, by category name or id
    select
        terms.campaign_id,
        terms.term_kind,
        terms.term,
        'interest' as value_kind,
        interest_taxonomy.interest_id as resolved_value,
        0 as value_order
    from terms
    inner join interest_taxonomy
        on
            terms.term_kind = 'interest_category'
            and lower(terms.term) in (
                lower(interest_taxonomy.interest_category), lower(interest_taxonomy.interest_category_id)
            )

    union all

    select
        terms.campaign_id,
        terms.term_kind,
        terms.term,
        'device' as value_kind,
        devices.device as resolved_value,
        devices.device_position as value_order
    from terms
    inner join devices
        on
            terms.term_kind = 'device'
            and lower(terms.term) = devices.device

    union all

    select
        terms.campaign_id,
        terms.term_kind,
        terms.term,
        terms.term_kind as value_kind,
        category_values.value as resolved_value,
        category_values.sort_order as value_order
    from terms
    inner join category_values
        on
            terms.term_kind in ('age_band', 'income_band')
            and terms.term_kind = category_values.attribute
            and lower(terms.term) = lower(category_values.value)

),

resolved_values as (

    select distinct
        campaign_id,
        value_kind,
        resolved_value,
        value_order
    from resolved

),

value_lists as (

    select
        resolved_values.campaign_id,
        list(resolved_values.resolved_value order by resolved_values.resolved_value)
        filter (where resolved_values.value_kind = 'interest') as target_interest_ids,
        list(interest_taxonomy.interest_name order by resolved_values.resolved_value)
        filter (where resolved_values.value_kind = 'interest') as target_interest_names,
        list(resolved_values.resolved_value order by resolved_values.value_order)
        filter (where resolved_values.value_kind = 'device') as target_devices,
        list(resolved_values.resolved_value order by resolved_values.value_order)
        filter (where resolved_values.value_kind = 'age_band') as target_age_bands,
        list(resolved_values.resolved_value order by resolved_values.value_order)
        filter (where resolved_values.value_kind = 'income_band') as target_income_bands
    from resolved_values
    left join interest_taxonomy
        on
            resolved_values.value_kind = 'interest'
            and resolved_values.resolved_value = interest_taxonomy.interest_id
    group by resolved_values.campaign_id

),

unresolved as (

    select
        terms.campaign_id,
        list(terms.term_kind || ' - ' || terms.term order by terms.term_kind, terms.term) as unresolved_terms
    from terms
    where
        not exists (
            select 1
            from resolved
            where
                resolved.campaign_id = terms.campaign_id
                and resolved.term_kind = terms.term_kind
                and resolved.term = terms.term
        )
    group by terms.campaign_id

),

final as (

    select
        -- ids
        campaigns.campaign_id,

        -- strings
        campaigns.campaign_name,
        campaigns.objective,
        case campaigns.objective
            when 'awareness' then 'weekly_hours_online'
            when 'traffic' then 'click_through_rate'
            when 'conversion' then 'expected_conversions_per_impression'
        end as objective_metric,
        campaigns.currency_code,
        campaigns.brief,

        -- lists
        coalesce(value_lists.target_interest_ids, []) as target_interest_ids,
        coalesce(value_lists.target_interest_names, []) as target_interest_names,
        coalesce(value_lists.target_devices, []) as target_devices,
        coalesce(value_lists.target_age_bands, []) as target_age_bands,
        coalesce(value_lists.target_income_bands, []) as target_income_bands,
        coalesce(unresolved.unresolved_terms, []) as unresolved_terms,

        -- numerics
        cast(campaigns.budget as decimal(18, 2)) as budget,
        cast(round(campaigns.budget * 100) as bigint) as budget_cents,

        -- booleans
        coalesce(len(value_lists.target_devices), 0) > 0 as has_device_constraint,
        coalesce(len(value_lists.target_age_bands), 0) > 0 as has_age_constraint,
        coalesce(len(value_lists.target_income_bands), 0) > 0 as has_income_constraint

    from campaigns
    left join value_lists
        on campaigns.campaign_id = value_lists.campaign_id
    left join unresolved
        on campaigns.campaign_id = unresolved.campaign_id

)

select * from final
