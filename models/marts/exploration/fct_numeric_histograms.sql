-- Fixed-width histogram of every numeric attribute: var histogram_bin_count
-- bins of equal width spanning [min_value, max_value] of fct_numeric_summaries;
-- every bin is [lower, upper) except the last, which includes max_value.
-- Bins with no users are kept, so a chart can draw the rows as they are.
-- One pass over the users (grouping sets, one per attribute).

{%- set columns = exploration_numeric_columns() %}
{%- set bin_count = var('histogram_bin_count') | int %}
{%- if bin_count < 1 %}
    {{ exceptions.raise_compiler_error("histogram_bin_count must be >= 1, got " ~ bin_count) }}
{%- endif %}

with

user_features as (

    select * from {{ ref('fct_user_features') }}

),

numeric_summaries as (

    select * from {{ ref('fct_numeric_summaries') }}

),

-- one row: the range of every attribute
ranges as (

    select
        {%- for column in columns %}
            max(min_value) filter (where attribute = '{{ column }}') as {{ column }}__min,
            max(max_value) filter (where attribute = '{{ column }}') as {{ column }}__max,
        {%- endfor %}
        count(*) as summarised_attributes
    from numeric_summaries

),

binned as (

    select
        {%- for column in columns %}
            case
                when user_features.{{ column }} is null then null
                when ranges.{{ column }}__max = ranges.{{ column }}__min then 1
                else least(
                    floor(
                        (user_features.{{ column }} - ranges.{{ column }}__min) * {{ bin_count }}
                        / (ranges.{{ column }}__max - ranges.{{ column }}__min)
                    )::integer,
                    {{ bin_count - 1 }}
                ) + 1
            end as {{ column }}__bin,
        {%- endfor %}
        user_features.user_id
    from user_features
    cross join ranges

),

bin_counts as (

    select
        {%- for column in columns %}
            {{ column }}__bin,
            grouping({{ column }}__bin) as {{ column }}__is_rolled_up,
        {%- endfor %}
        count(*) as users
    from binned
    -- one grouping set per attribute; the final () is the (unused) total
    group by grouping sets ( -- noqa: PRS
        {%- for column in columns %}
            ({{ column }}__bin),
        {%- endfor %}
        ()
    )

),

counts_by_attribute as (

    {%- for column in columns %}
        select
            '{{ column }}' as attribute,
            {{ column }}__bin as bin_number,
            users
        from bin_counts
        where {{ column }}__is_rolled_up = 0 and {{ column }}__bin is not null
        {{ 'union all' if not loop.last }}
    {%- endfor %}

),

bins as (

    select
        numeric_summaries.attribute,
        numeric_summaries.attribute_order,
        numeric_summaries.users as attribute_users,
        numeric_summaries.min_value,
        numeric_summaries.max_value,
        bin_numbers.bin_number
    from numeric_summaries
    cross join range(1, {{ bin_count + 1 }}) as bin_numbers (bin_number)
    where numeric_summaries.users > 0

),

final as (

    select
        -- ids
        bins.attribute,
        bins.bin_number::integer as bin_number,

        -- numerics
        bins.attribute_order,
        bins.min_value + (bins.bin_number - 1) * (bins.max_value - bins.min_value) / {{ bin_count }}
            as bin_lower_value,
        case
            when bins.bin_number = {{ bin_count }} then bins.max_value
            else bins.min_value + bins.bin_number * (bins.max_value - bins.min_value) / {{ bin_count }}
        end as bin_upper_value,
        coalesce(counts_by_attribute.users, 0) as users,
        coalesce(counts_by_attribute.users, 0) / bins.attribute_users as share_of_users,

        -- booleans
        bins.bin_number = {{ bin_count }} as is_upper_value_included

    from bins
    left join counts_by_attribute
        on
            bins.attribute = counts_by_attribute.attribute
            and bins.bin_number = counts_by_attribute.bin_number

)

select * from final
order by attribute_order, bin_number
