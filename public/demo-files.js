// The demo's files: attach a file to the next message (uploaded at once, with progress) and show
// a message's attachments, pictures inline. Downloads need the token, which a plain <img src>
// cannot send: each file is fetched once and shown through a blob: URL.

/** Uploads picked for the next message: their ids and names. */
const staged = [];
/** File id → its blob: URL (a promise while it loads), so re-rendering does not fetch again. */
const loaded = new Map();

function build(tag, props, children = []) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

/** A file's bytes as a blob: URL, fetched once per page. */
function blobUrl(api, id) {
  if (!loaded.has(id))
    loaded.set(
      id,
      api.download(id).then((blob) => URL.createObjectURL(blob)),
    );
  return loaded.get(id);
}

const kib = (n) => (n < 1024 ? `${n} B` : `${Math.round(n / 1024)} KiB`);

/** A message's attachments: pictures inline, anything else a download link. */
export function attachmentsView(api, message) {
  const files = message.attachments ?? [];
  const list = build("div", { className: "attachments" });
  for (const f of files) {
    if (f.type.startsWith("image/")) {
      const img = build("img", { alt: f.name, title: `${f.name} (${kib(f.size)})` });
      if (f.width && f.height) Object.assign(img, { width: Math.min(f.width, 240) });
      blobUrl(api, f.id)
        .then((url) => (img.src = url))
        .catch(() => (img.alt = `${f.name} (unavailable)`));
      list.append(img);
    } else {
      const a = build("a", { href: "#", textContent: `📎 ${f.name} (${kib(f.size)})` });
      a.addEventListener("click", async (e) => {
        e.preventDefault();
        const link = build("a", { href: await blobUrl(api, f.id), download: f.name });
        link.click();
      });
      list.append(a);
    }
  }
  return list;
}

function showStaged(composer) {
  const box = composer.querySelector("#staged");
  box.replaceChildren(
    ...staged.map((s, i) => {
      const remove = build("button", { type: "button", textContent: "✕", title: "Do not attach" });
      remove.addEventListener("click", () => {
        staged.splice(i, 1);
        showStaged(composer);
      });
      return build("span", { className: "staged" }, [`📎 ${s.name} `, remove]);
    }),
  );
  // With a file attached the text may be empty.
  composer.elements.content.required = staged.length === 0;
}

/**
 * Wires the composer's file picker: a picked file is uploaded at once (progress beside it) and
 * attached to the next message sent. `onError` shows a refusal (too large, wrong type, quota).
 */
export function wireAttachments(api, composer, onError) {
  const picker = composer.querySelector("#attach");
  const progress = composer.querySelector("#upload-progress");
  picker.addEventListener("change", async () => {
    const file = picker.files?.[0];
    picker.value = "";
    if (!file) return;
    try {
      const onProgress = ({ loaded, total }) =>
        (progress.textContent = `uploading ${file.name}: ${Math.round((100 * loaded) / total)}%`);
      const upload = await api.upload(file, { onProgress });
      staged.push({ id: upload.id, name: upload.name });
      progress.textContent = "";
      showStaged(composer);
    } catch (err) {
      progress.textContent = "";
      onError(`${err.code ?? "error"}: ${err.message}`);
    }
  });
}

/** The ids to send with the next message; the staged list is emptied. */
export function takeStaged(composer) {
  const ids = staged.splice(0).map((s) => s.id);
  showStaged(composer);
  return ids;
}
