"""The individual-user side of the Jiangsu HR & Social Security online service hall."""
