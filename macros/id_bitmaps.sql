{#-
    Bitmaps of integer ids, for tests that must read every user of a
    10M-row model: the primary_key test (are the keys distinct?) and
    assert_every_valid_user_has_one_segment (are two sets of ids equal?).

    An id is taken as its offset from the smallest id (a HUGEINT, so that the
    distance between two BIGINTs always fits). Offsets below
    id_bitmap_limit() are set as bits in blocks of 2^20 (128 KiB per block,
    made only for the blocks that hold an id; 2^27 offsets at most, so at
    most 128 blocks); the tests compare larger offsets one by one. At 10M
    users a bitmap check reads the ids in 0.06-0.1 s where a hash
    aggregation takes 0.5-0.9 s, and 1,000 ids cost 2 ms (one 2^27-bit
    bitmap cost 14 ms and 16 MiB).
-#}

{#- Offsets from this one on are not in a bitmap. -#}
{% macro id_bitmap_limit() -%}
    134217728
{%- endmacro %}

{#- The block of an offset below id_bitmap_limit() (group by it). -#}
{% macro id_bitmap_block(offset) -%}
    {{ offset }}::integer >> 20
{%- endmacro %}

{#- The bitmap of a block's offsets (an aggregate; 2^20 bits). -#}
{% macro id_bitmap_bits(offset) -%}
    bitstring_agg({{ offset }}::integer & 1048575, 0, 1048575)
{%- endmacro %}
