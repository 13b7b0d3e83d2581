-- Python's assignment of every training user (exact nearest centroid of the
-- published model) and the SQL scoring in fct_user_segments agree. The only
-- allowed difference is an exact tie, where the two distances differ by less
-- than rounding (1e-9 relative). Checked on refit builds: with refit: false
-- the saved training users may no longer be in the input.
{{ config(enabled=segmentation_refit()) }}

with

python_assignments as (

    select * from {{ ref('int_segmentation_training_assignments') }}

),

user_segments as (

    select * from {{ ref('fct_user_segments') }}

),

final as (

    select
        python_assignments.user_id,
        python_assignments.segment_id as python_segment_id,
        user_segments.segment_id as sql_segment_id,
        user_segments.assignment_margin
    from python_assignments
    left join user_segments
        on python_assignments.user_id = user_segments.user_id
    where
        user_segments.user_id is null
        or (
            user_segments.segment_id != python_assignments.segment_id
            and not (
                user_segments.second_segment_id = python_assignments.segment_id
                and user_segments.assignment_margin <= 1e-9 * (1 + user_segments.distance_to_centroid)
            )
        )

)

select * from final
