"""The password method (账号密码): login, and the lock it may bring."""
