// The status page's service worker. It caches nothing and controls no
// page: Android's Chrome shows a notification only through a service
// worker's registration. A tap on the notification brings the page back.
self.addEventListener("notificationclick", function (e) {
  e.notification.close();
  var url = e.notification.data;
  e.waitUntil(self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (list) {
    for (var i = 0; i < list.length; i++) {
      if (list[i].url.indexOf(url) === 0 && list[i].focus) return list[i].focus();
    }
    if (url && self.clients.openWindow) return self.clients.openWindow(url);
  }));
});
