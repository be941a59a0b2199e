"""扫码登录 (江苏智慧人社APP): the browser shows a QR and polls; a logged-in app scans and confirms."""
