"""A world atlas of unrecorded trade: the v3 mirror model fitted to every pair of the world panel.

The road is the single pair's, repeated: :func:`select_pairs` picks the pairs (the world panel's rule, or a
subset), :func:`run_atlas` fits each with :meth:`MirrorGap.fit <borderflows.mirror.spec.MirrorGap.fit>` on a
Dask distributed cluster (a ``LocalCluster`` by default, any cluster through ``scheduler=``) and writes a
Parquet dataset under the output folder, which :func:`read_atlas` and :func:`query` read back.

>>> import borderflows as bf  # doctest: +SKIP
>>> pairs = bf.atlas.select_pairs(exporters=["CHN"], limit=20)  # doctest: +SKIP
>>> run = bf.atlas.run_atlas(pairs, "atlas_out", workers=2)  # doctest: +SKIP
>>> bf.atlas.query("atlas_out", "SELECT * FROM pairs ORDER BY share_median DESC LIMIT 5")  # doctest: +SKIP
"""

from borderflows.atlas.engine import AtlasRun, run_atlas
from borderflows.atlas.read import Atlas, query, read_atlas
from borderflows.atlas.selection import select_pairs
from borderflows.atlas.task import AtlasJob, pair_seed

__all__ = ["Atlas", "AtlasJob", "AtlasRun", "pair_seed", "query", "read_atlas", "run_atlas", "select_pairs"]
