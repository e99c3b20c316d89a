"""Near-duplicate detection on numpy arrays: no SQL, no stages, no I/O.

Modules, leaves first::

    shingles     canonical word n-grams, their 32-bit hashes, ShingleSets (CSR)
    minhash      MinHasher: vectorized signatures with datasketch's permutations
    lsh          choose_bands, band_keys, Banding (band keys and index tokens; the
                 short containment bands)
    pairs        candidate pairs from runs of equal band keys (capped, all, partitioned)
    verify       exact Jaccard and intersections (one pair, many pairs), containment,
                 the estimate, size bounds
    keeper       which copy stays: the rank in Python and in SQL, the audit's change
    cluster      star clustering and the keep-longest greedy, on edge arrays
    find         find_duplicates / find_block_duplicates: one batch, explained
    resolve      resolve_arrays: the keep-longest rule over a whole corpus (near-duplicate
                 and contained links)
    incremental  NearDuplicates: the same rule one document at a time, kept up to date
    window       Window: the last kept documents of a stream

The stages (:mod:`cleaner.stages.dedup`, :mod:`cleaner.stages.stream_dedup`) and the
store of an output folder (:mod:`cleaner.store`) call into these.
"""

# kept documents a stream's near-duplicate index remembers by default (~85 MB for
# 1,000-word documents; see cleaner.stages.stream_dedup): here, with no import, so
# that the CLI's options can show it without loading numpy
DEFAULT_WINDOW = 10_000
# containment bands (cleaner.dedup.lsh): 24 of 2 rows, candidates down to Jaccard ~0.3;
# 24 keys of 4 bytes keep a full build's driver within 200 bytes a document. Here, with
# no import, as the config checks that a signature is long enough for them
CONTAINMENT_BANDS = 24
CONTAINMENT_ROWS = 2
