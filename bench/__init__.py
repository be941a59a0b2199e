"""The hall's benchmark (`make bench`) and load run (`make load`).

- bench/flows.py: the flows, one :class:`bench.flows.Flow` entry each. A new flow
  (QR login and its poll, recovery, appeals, ...) adds one entry to ``FLOWS``.
- bench/counting.py: the botocore hook that counts round trips and capacity.
- bench/figures.py: each figure as a ratio to a floor measured in the same run.
- bench/load.py: many concurrent clients against ``chalice local``.
"""
