"""Domain rules of the hall, in plain Python: no HTTP, no DynamoDB."""
