// The demo's Web Push: "Enable notifications" registers the service worker (/sw.js), subscribes
// with the server's VAPID key (GET /push/config) and sends the browser's PushSubscription.toJSON()
// as is to POST /push/subscriptions, as any front end would (docs/notifications.md).

const $ = (sel) => document.querySelector(sel);

/** Subscribes this browser; returns what to tell the person. */
async function enable(api) {
  const { vapid_public_key: key } = await api.request("GET", "/push/config");
  if (!key) return "Notifications are off on this server.";
  if ((await Notification.requestPermission()) !== "granted")
    return "Notifications are blocked for this page.";
  await navigator.serviceWorker.register("/sw.js");
  // Subscribing needs the worker active, which `ready` waits for.
  const registration = await navigator.serviceWorker.ready;
  const subscription =
    (await registration.pushManager.getSubscription()) ??
    (await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key }));
  await api.request("POST", "/push/subscriptions", subscription.toJSON());
  return "Notifications are on for this browser.";
}

export function wirePush(api) {
  const button = $("#notify");
  const status = $("#notify-status");
  if (!("serviceWorker" in navigator && "PushManager" in window)) {
    button.hidden = true;
    return;
  }
  button.addEventListener("click", async () => {
    button.disabled = true;
    status.textContent = "Enabling notifications…";
    try {
      status.textContent = await enable(api);
    } catch (err) {
      // A refusal of ours has a string code; a DOMException (say, no push service) its name.
      status.textContent = `${typeof err.code === "string" ? err.code : err.name}: ${err.message}`;
      button.disabled = false;
    }
  });
}
