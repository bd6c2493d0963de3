// The demo chat: plain DOM code on top of the typed client (client/, bundled to /vendor).
// The session (its token pair) lives in sessionStorage, so each browser tab is its own session;
// the client refreshes its tokens by itself, before they expire and when the server refuses one.

import { attachmentsView, takeStaged, wireAttachments } from "/demo-files.js";
import { wirePush } from "/demo-push.js";
import { Inbox, RoomcastApi, RoomSocket } from "/vendor/roomcast-client.js";

const $ = (sel) => document.querySelector(sel);
const api = new RoomcastApi(location.origin, null, {
  stored: JSON.parse(sessionStorage.getItem("session") ?? "null"),
  onChange: (session) => {
    if (session) return sessionStorage.setItem("session", JSON.stringify(session));
    // Ended elsewhere (revoked, password changed): back to the login form.
    sessionStorage.clear();
    location.reload();
  },
});
let me = JSON.parse(sessionStorage.getItem("me") ?? "null");
/** The open room: its socket and its messages by id (rendered in seq order). */
let current = null;
/** The user's one channel to every room: keeps "My rooms" and their badges live. */
let inbox = null;

function build(tag, props, children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

// ── signing in ──────────────────────────────────────────────────────────────

$("#auth").addEventListener("submit", async (e) => {
  e.preventDefault();
  const form = new FormData(e.target);
  const username = form.get("username");
  const password = form.get("password");
  $("#auth-error").textContent = "";
  try {
    if (e.submitter?.value === "signup") {
      const email = form.get("email") || `${username}@example.com`;
      await api.signup({ username, password, email });
    }
    const login = await api.login(username, password);
    me = login.user;
    sessionStorage.setItem("me", JSON.stringify(me));
    // Nothing typed here stays in the page once signed in (a hidden field can still be read).
    e.target.reset();
    await showApp();
  } catch (err) {
    $("#auth-error").textContent = `${err.code ?? "error"}: ${err.message}`;
  }
});

$("#logout").addEventListener("click", async () => {
  current?.socket.close();
  inbox?.close();
  await api.logout().catch(() => {});
  sessionStorage.clear();
  location.reload();
});

// ── rooms ───────────────────────────────────────────────────────────────────

/** "My rooms" as the inbox keeps them: new rooms, renames, removals and badges arrive live. */
function renderMine(list) {
  $("#rooms").replaceChildren(
    ...list.map((c) => {
      const room = { id: c.room_id, name: c.kind === "direct" && c.with ? `@${c.with.username}` : c.name };
      const li = build("li", { className: current?.room.id === room.id ? "active" : "" }, [room.name]);
      li.dataset.roomId = room.id;
      if (c.unread_count > 0 && current?.room.id !== room.id) {
        const label = c.mention_count > 0 ? `${c.unread_count} @${c.mention_count}` : String(c.unread_count);
        li.append(" ", build("span", { className: "badge" }, [label]));
      }
      li.addEventListener("click", () => openRoom(room));
      return li;
    }),
  );
}

async function refreshRooms() {
  const open = await api.publicRooms();
  const myIds = new Set(inbox.list().map((c) => c.room_id));
  $("#public-rooms").replaceChildren(
    ...open
      .filter((r) => !myIds.has(r.id))
      .map((r) => {
        const li = build("li", {}, [`${r.name} (join)`]);
        li.dataset.roomId = r.id;
        li.addEventListener("click", async () => {
          await api.joinRoom(r.id);
          await openRoom(r);
        });
        return li;
      }),
  );
}

$("#new-room").addEventListener("submit", async (e) => {
  e.preventDefault();
  const form = new FormData(e.target);
  const room = await api.createRoom({ name: form.get("name"), kind: form.get("kind") });
  e.target.reset();
  await openRoom(room);
});

// ── the open room ───────────────────────────────────────────────────────────

async function openRoom(room) {
  current?.socket.close();
  const socket = new RoomSocket({ baseUrl: location.origin, roomId: room.id, ...api.session.socketAuth() });
  current = { room, socket, messages: new Map(), readSeq: 0, typing: new Map() };
  const here = current;
  $("#chat").hidden = false;
  $("#room-name").textContent = room.name;
  $("#messages").replaceChildren();
  $("#chat-error").textContent = "";
  for (const li of document.querySelectorAll("#rooms li")) {
    li.classList.toggle("active", Number(li.dataset.roomId) === room.id);
  }

  socket.on("status", ({ state, reason }) => {
    $("#status").textContent = reason && state !== "open" ? `${state} (${reason})` : state;
    $("#status").dataset.state = state;
  });
  socket.on("ready", async (ready) => {
    $("#status").textContent = ready.recovered
      ? `connected; resumed with ${ready.replay_count} missed event(s)`
      : "connected";
    $("#status").dataset.state = "ready";
    $("#status").dataset.readies = String(Number($("#status").dataset.readies ?? 0) + 1);
    showOnline(socket.online);
    if (ready.recovered === null && here.messages.size === 0) {
      // First connection: the page of history before the live events.
      const history = await api.history(room.id, { before: ready.last_seq + 1, limit: 50 });
      for (const m of history) here.messages.set(m.id, m);
      render();
    }
  });
  socket.on("resync", (history) => {
    here.messages = new Map(history.map((m) => [m.id, m]));
    render();
  });
  socket.on("event", (e) => {
    if (e.type === "message") here.messages.set(e.id, e);
    const target = here.messages.get(e.message_id);
    if (e.type === "message.edited" && target)
      Object.assign(target, { content: e.content, edited_at: e.edited_at });
    if (e.type === "message.deleted" && target) Object.assign(target, { content: null, deleted: true });
    render();
    if (document.visibilityState === "visible") socket.markRead(e.seq);
  });
  socket.on("presence", () => showOnline(socket.online));
  socket.on("typing", ({ user }) => {
    clearTimeout(here.typing.get(user.username));
    here.typing.set(
      user.username,
      setTimeout(() => {
        here.typing.delete(user.username);
        showTyping();
      }, 3000),
    );
    showTyping();
  });
  socket.on("read", ({ seq }) => {
    here.readSeq = seq;
    render();
  });
  socket.on("error", (err) => ($("#chat-error").textContent = `${err.code}: ${err.message}`));
  socket.on("closed", ({ reason }) => ($("#chat-error").textContent = `disconnected for good: ${reason}`));
}

function render() {
  if (!current) return;
  const sorted = [...current.messages.values()].sort((a, b) => a.seq - b.seq);
  $("#messages").replaceChildren(
    ...sorted.map((m) => {
      const li = build("li", { className: m.deleted ? "deleted" : "" }, [
        build("b", {}, [m.username]),
        ": ",
        build("span", { className: "content" }, [m.deleted ? "(deleted)" : m.content]),
        build("span", { className: "meta" }, [
          ` #${m.seq}${m.edited_at && !m.deleted ? " (edited)" : ""}${m.seq <= current.readSeq ? " ✓" : ""} `,
        ]),
      ]);
      if (!m.deleted && m.attachments?.length) li.append(attachmentsView(api, m));
      li.dataset.seq = m.seq;
      li.dataset.id = m.id;
      if (m.user_id === me.id && !m.deleted) {
        const edit = build("button", { type: "button", className: "edit" }, ["edit"]);
        edit.addEventListener("click", () => {
          const content = prompt("Edit message", m.content);
          if (content) current.socket.edit(m.id, content);
        });
        const del = build("button", { type: "button", className: "delete" }, ["delete"]);
        del.addEventListener("click", () => current.socket.delete(m.id));
        li.append(edit, " ", del);
      }
      return li;
    }),
  );
  $("#messages").scrollTop = $("#messages").scrollHeight;
}

function showOnline(online) {
  $("#online").textContent = `online: ${online.map((u) => u.username).join(", ")}`;
}

function showTyping() {
  const names = [...current.typing.keys()];
  $("#typing").textContent = names.length ? `${names.join(", ")} typing…` : "";
}

$("#composer").addEventListener("submit", (e) => {
  e.preventDefault();
  const input = e.target.elements.content;
  const content = input.value;
  input.value = "";
  const files = takeStaged(e.target);
  // The client's outbox keeps the send across reconnects; errors show below the composer.
  current?.socket
    .send(content, undefined, files)
    .catch((err) => ($("#chat-error").textContent = err.message));
});
wireAttachments(api, $("#composer"), (text) => ($("#chat-error").textContent = text));
wirePush(api);

let lastTyping = 0;
$("#composer input").addEventListener("input", () => {
  if (!current || Date.now() - lastTyping < 1500) return;
  lastTyping = Date.now();
  try {
    current.socket.typing();
  } catch {}
});

$("#drop").addEventListener("click", () => current?.socket.dropConnection());

// ── start ───────────────────────────────────────────────────────────────────

async function showApp() {
  $("#auth").hidden = true;
  $("#app").hidden = false;
  $("#me").textContent = `signed in as ${me.username}`;
  inbox = new Inbox({ baseUrl: location.origin, ...api.session.socketAuth() });
  let listed = null;
  inbox.on("conversations", (list) => {
    renderMine(list);
    // The public list hides rooms I am in: fetch it again only when that set changed.
    const ids = list
      .map((c) => c.room_id)
      .sort()
      .join(",");
    if (ids !== listed) refreshRooms().catch(() => {});
    listed = ids;
  });
}

if (api.session.signedIn && me) showApp().catch(() => sessionStorage.clear());
