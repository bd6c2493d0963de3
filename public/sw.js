// The demo's service worker: shows a Roomcast push (its payload: docs/notifications.md) as a
// notification ("alice" for a DM, "alice in general" otherwise), one per room (a newer one
// replaces it, as the server's Topic does), and brings the demo forward when it is clicked.

self.addEventListener("push", (event) => {
  const push = event.data?.json() ?? {};
  const author = push.author?.username ?? "Someone";
  // A DM is named by the person; anything else by who wrote where.
  const title =
    push.reason === "direct" ? author : push.room_name ? `${author} in ${push.room_name}` : "Roomcast";
  const shown = self.registration.showNotification(title, {
    body: push.preview ?? "",
    tag: `room-${push.room_id}`,
    data: push,
  });
  event.waitUntil(shown);
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const opened = self.clients
    .matchAll({ type: "window" })
    .then((windows) => windows[0]?.focus() ?? self.clients.openWindow("/"));
  event.waitUntil(opened);
});
