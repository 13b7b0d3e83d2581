-- Scoring in SQL: every valid user goes to the nearest centroid of the
-- segmentation model (Euclidean distance in the weighted standardised feature
-- space, computed in DOUBLE), with the second-nearest segment and the margin
-- between the two. Ties go to the smaller segment_id, as in Python.
--
-- One distance column per possible segment (segment_slots(): k_max, or
-- n_clusters when larger) keeps the scoring a single streaming pass with no
-- database access at compile time; slots beyond the model's k are null and
-- ignored by least().
{%- set slots = segment_slots() %}

with

user_features as (

    select * from {{ ref('int_user_features_scaled') }}

),

centroids as (

    select * from {{ ref('int_segment_centroids') }}

),

distances as (

    select
        {% for i in range(slots) %}
            list_distance(
                user_features.features::double[],
                (
                    select centroids.centroid
                    from centroids
                    where centroids.segment_id = {{ i }}
                )
            ) as distance_{{ i }},
        {% endfor %}
        user_features.user_id
    from user_features

),

nearest as (

    select
        *,
        least(
            {% for i in range(slots) %}
                distance_{{ i }}{{ ',' if not loop.last }}
            {% endfor %}
        ) as distance_to_centroid
    from distances

),

nearest_segment as (

    select
        *,
        case
            {% for i in range(slots) %}
                when distance_{{ i }} = distance_to_centroid then {{ i }}
            {% endfor %}
        end as segment_id
    from nearest

),

second_nearest as (

    select
        *,
        least(
            {% for i in range(slots) %}
                case when segment_id != {{ i }} then distance_{{ i }} end{{ ',' if not loop.last }}
            {% endfor %}
        ) as second_distance
    from nearest_segment

),

second_segment as (

    select
        *,
        case
            {% for i in range(slots) %}
                when segment_id != {{ i }} and distance_{{ i }} = second_distance then {{ i }}
            {% endfor %}
        end as second_segment_id
    from second_nearest

),

final as (

    select
        -- ids
        user_id,
        segment_id::integer as segment_id,

        -- distances
        distance_to_centroid,
        second_segment_id::integer as second_segment_id,
        second_distance,
        second_distance - distance_to_centroid as assignment_margin

    from second_segment

)

select * from final
