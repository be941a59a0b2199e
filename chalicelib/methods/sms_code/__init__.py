"""The SMS code method (手机动态码): sending codes and checking them."""
