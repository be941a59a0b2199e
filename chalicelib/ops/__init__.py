"""The operator's routine tasks, as a command line: ``python -m chalicelib.ops --help``.

Everything it prints is masked: operators see 陈*, 3201**********1234, 138****5678.
"""
