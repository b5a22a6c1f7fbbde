// Grayscale photos: the page's logic. Plain JavaScript, no dependencies and no build step.
// Small photos go to POST / and come back in the answer; larger ones get a presigned upload
// from POST /uploads, go straight to storage, and their job is polled until it has a result.

const page = document.body.dataset;
const apiBase = page.apiBase || "";
const maxInlineBytes = Number(page.maxInlineBytes) || 4 * 1024 * 1024;

const KEY_STORAGE = "pipeline.apiKey";
const CONCURRENCY = 3;
const POLL_LIMIT_MS = 10 * 60 * 1000;
const UPLOAD_TYPES = ["image/jpeg", "image/png", "image/webp", "image/bmp", "image/tiff", "image/heic", "image/heif", "image/avif", "image/jxl"];
// Headers a browser sets itself and refuses to take from a script.
const BROWSER_HEADERS = ["content-length", "host"];

// The service's error codes in plain words; its own message follows as the detail.
const PLAIN = {
  unsupported_media_type: "This file is not a photo the service can read. It takes JPEG, PNG, WebP, BMP, TIFF, HEIC, AVIF and JPEG XL.",
  corrupt_image: "This photo is damaged or incomplete, so it cannot be read.",
  too_many_pixels: "This photo has too many pixels for the service.",
  payload_too_large: "This file is too large for the service.",
  empty_body: "This file is empty.",
  invalid_request: "The service did not accept the request.",
  unauthorized: "The service needs an API key.",
  forbidden: "The API key was not accepted.",
  not_found: "The service no longer knows this job.",
  unavailable: "The service is unavailable at the moment. Try again later.",
  internal_error: "The service failed on this photo. Try again later.",
  network: "The service could not be reached. Check the connection and try again.",
  storage: "The upload to storage failed.",
  timeout: "The conversion is taking too long. Try again later.",
  // Answers of API Gateway itself on AWS.
  THROTTLED: "The service is busy. Try again in a moment.",
  QUOTA_EXCEEDED: "This API key has used up its quota for now.",
};

/** An error to show on an item: a code (for the plain words) and the service's own message. */
class ServiceError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

const $ = (selector, root = document) => root.querySelector(selector);
const elements = {
  input: $("#file-input"),
  drop: $("#drop"),
  items: $("#items"),
  template: $("#item-template"),
  summary: $("#summary"),
  downloadAll: $("#download-all"),
  clear: $("#clear"),
  format: $("#format"),
  quality: $("#quality"),
  qualityOn: $("#quality-on"),
  qualityValue: $("#quality-value"),
  keyDialog: $("#key-dialog"),
  keyForm: $("#key-form"),
  keyInput: $("#key-input"),
  keyReason: $("#key-reason"),
  keyCancel: $("#key-cancel"),
};

const items = [];
const queue = [];
let running = 0;
let pasted = 0;

// ---- adding photos ---------------------------------------------------------------------

elements.input.addEventListener("change", () => {
  addFiles([...elements.input.files]);
  elements.input.value = "";
});

// The whole window takes drops, so a photo dropped beside the zone is not opened by the browser.
let dragDepth = 0;
window.addEventListener("dragenter", (event) => {
  if (!hasFiles(event)) return;
  event.preventDefault();
  dragDepth++;
  elements.drop.classList.add("dragging");
});
window.addEventListener("dragleave", () => {
  dragDepth = Math.max(0, dragDepth - 1);
  if (dragDepth === 0) elements.drop.classList.remove("dragging");
});
window.addEventListener("dragover", (event) => {
  if (!hasFiles(event)) return;
  event.preventDefault();
  event.dataTransfer.dropEffect = "copy";
});
window.addEventListener("drop", (event) => {
  if (!hasFiles(event)) return;
  event.preventDefault();
  dragDepth = 0;
  elements.drop.classList.remove("dragging");
  addFiles([...event.dataTransfer.files]);
});

document.addEventListener("paste", (event) => {
  const files = [...(event.clipboardData?.files ?? [])];
  if (files.length === 0) return;
  event.preventDefault();
  addFiles(files.map((file) => {
    // Pasted screenshots arrive as "image.png"; number them so downloads do not collide.
    const extension = file.type.split("/")[1] || "png";
    return new File([file], `pasted-${++pasted}.${extension === "jpeg" ? "jpg" : extension}`, { type: file.type });
  }));
});

function hasFiles(event) {
  return [...(event.dataTransfer?.types ?? [])].includes("Files");
}

function addFiles(files) {
  if (files.length === 0) return;
  keyDeclined = false;
  // Without a quality the service keeps a JPEG's own luma losslessly.
  const options = { format: elements.format.value, quality: elements.qualityOn.checked ? elements.quality.value : null };
  for (const file of files) {
    const item = createItem(file, options);
    items.push(item);
    queue.push(item);
  }
  pump();
  updateSummary();
}

function pump() {
  while (running < CONCURRENCY && queue.length > 0) {
    const item = queue.shift();
    running++;
    convert(item).finally(() => {
      running--;
      pump();
      updateSummary();
    });
  }
}

// ---- one photo -------------------------------------------------------------------------

function createItem(file, options) {
  const node = elements.template.content.firstElementChild.cloneNode(true);
  const item = {
    file,
    options,
    node,
    state: "waiting",
    result: null,
    urls: [],
    name: $(".name", node),
    stateText: $(".state", node),
    progress: $("progress", node),
    message: $(".message", node),
    compare: $(".compare", node),
    before: $(".before", node),
    after: $(".after", node),
    slider: $(".slider input", node),
    details: $(".details", node),
    download: $(".download", node),
  };
  item.name.textContent = file.name;
  item.progress.setAttribute("aria-label", `Progress of ${file.name}`);
  item.slider.setAttribute("aria-label", `Before and after of ${file.name}`);
  item.before.alt = `${file.name}, original`;
  item.slider.addEventListener("input", () => split(item));
  split(item);
  setState(item, "waiting");
  elements.items.append(node);
  return item;
}

function split(item) {
  item.compare.style.setProperty("--split", `${item.slider.value}%`);
}

const STATE_TEXT = { waiting: "Waiting", uploading: "Uploading", converting: "Converting", done: "Done", failed: "Failed" };

function setState(item, state, fraction) {
  item.state = state;
  item.node.dataset.state = state;
  item.stateText.textContent = state === "uploading" && fraction !== undefined
    ? `Uploading ${Math.round(fraction * 100)}%`
    : STATE_TEXT[state];
  const busy = state === "uploading" || state === "converting";
  item.progress.hidden = !busy;
  if (state === "uploading" && fraction !== undefined) item.progress.value = Math.round(fraction * 100);
  else item.progress.removeAttribute("value"); // indeterminate while the service works
}

async function convert(item) {
  try {
    let result = null;
    if (item.file.size <= maxInlineBytes) result = await convertInline(item);
    // Too large to send inline, or its result too large to come back inline: the upload flow has no such limit.
    if (result === null) result = await convertByUpload(item);
    await showResult(item, result);
  } catch (error) {
    showError(item, error);
  }
}

/** POST / with the photo as the body; null when the service says to use the upload flow instead. */
async function convertInline(item) {
  const query = new URLSearchParams();
  // The service answers in the photo's own format; a browser cannot show a BMP or TIFF, so ask for PNG.
  const format = item.options.format || (["image/bmp", "image/tiff"].includes(await sniff(item.file)) ? "png" : "");
  if (format) query.set("format", format);
  if (item.options.quality) query.set("quality", item.options.quality);
  setState(item, "uploading", 0);
  const parameters = query.toString();
  const response = await callApi("POST", parameters ? `${apiBase}/?${parameters}` : `${apiBase}/`, item.file, {
    onProgress: (fraction) => (fraction < 1 ? setState(item, "uploading", fraction) : setState(item, "converting")),
  });
  if (response.status === 200) {
    return {
      blob: response.blob,
      width: Number(response.header("X-Image-Width")) || null,
      height: Number(response.header("X-Image-Height")) || null,
      viaUpload: false,
    };
  }
  const error = await errorOf(response);
  if (error.code === "payload_too_large") return null;
  throw error;
}

/** POST /uploads, PUT to storage with exactly the headers the ticket lists, then poll the job. */
async function convertByUpload(item) {
  setState(item, "uploading", 0);
  const contentType = await uploadType(item.file);
  const created = await callApi("POST", `${apiBase}/uploads`, JSON.stringify({ contentType, contentLength: item.file.size }), {
    contentType: "application/json",
  });
  if (created.status !== 201) throw await errorOf(created);
  const ticket = JSON.parse(await created.blob.text());

  const headers = {};
  for (const [name, value] of Object.entries(ticket.upload.headers ?? {})) {
    if (!BROWSER_HEADERS.includes(name.toLowerCase())) headers[name] = value;
  }
  const put = await send(ticket.upload.method, ticket.upload.url, item.file, headers, (fraction) => setState(item, "uploading", fraction));
  if (put.status < 200 || put.status > 299) {
    throw new ServiceError("storage", `Storage answered ${put.status}: ${await storageMessage(put.blob)}`);
  }

  setState(item, "converting");
  const started = Date.now();
  for (;;) {
    const status = await callApi("GET", ticket.status);
    if (status.status === 200) {
      const job = JSON.parse(await status.blob.text());
      const result = await send("GET", job.resultUrl, null, {});
      if (result.status !== 200) throw new ServiceError("storage", `Storage answered ${result.status} for the result.`);
      return { blob: result.blob, width: null, height: null, viaUpload: true };
    }
    if (status.status === 422) {
      const job = JSON.parse(await status.blob.text());
      throw new ServiceError(job.error?.code ?? "internal_error", job.error?.message ?? "The conversion failed.");
    }
    if (status.status !== 202) throw await errorOf(status);
    if (Date.now() - started > POLL_LIMIT_MS) throw new ServiceError("timeout", "No result after 10 minutes.");
    await sleep(1000 * Math.min(5, Math.max(1, Number(status.header("Retry-After")) || 1)));
  }
}

async function showResult(item, result) {
  const kind = await imageKind(result.blob);
  const blob = new Blob([result.blob], { type: kind.type });
  item.result = { blob, fileName: resultName(item.file.name, kind.extension) };
  const afterUrl = remember(item, URL.createObjectURL(blob));
  const beforeUrl = remember(item, URL.createObjectURL(item.file));

  item.after.alt = `${item.file.name} in grayscale`;
  const loaded = new Promise((resolve) => {
    item.after.addEventListener("load", resolve, { once: true });
    item.after.addEventListener("error", resolve, { once: true });
  });
  item.after.src = afterUrl;
  // A format the browser cannot show (TIFF) leaves only the result to look at.
  item.before.addEventListener("error", () => item.compare.classList.add("no-before"), { once: true });
  item.before.src = beforeUrl;
  await loaded;

  const width = result.width ?? item.after.naturalWidth;
  const height = result.height ?? item.after.naturalHeight;
  let details = `${width} × ${height} · ${size(item.file.size)} → ${size(blob.size)} ${kind.label}`;
  if (result.viaUpload && (item.options.format || item.options.quality)) {
    details += ". Large photos are converted by the service's batch worker, which keeps the photo's format at its own quality.";
  }
  item.details.textContent = details;
  item.details.hidden = false;
  item.download.href = afterUrl;
  item.download.download = item.result.fileName;
  item.download.textContent = `Download ${item.result.fileName}`;
  item.download.hidden = false;
  item.compare.hidden = false;
  item.node.dataset.testid = "result";
  setState(item, "done");
}

function showError(item, error) {
  const code = error instanceof ServiceError ? error.code : "internal_error";
  const detail = error instanceof ServiceError ? error.message : "The page failed to handle this photo.";
  item.message.replaceChildren();
  const plain = document.createElement("strong");
  plain.textContent = PLAIN[code] ?? "The photo could not be converted.";
  const own = document.createElement("span");
  own.className = "detail";
  own.textContent = detail;
  item.message.append(plain, " ", own);
  item.message.hidden = false;
  item.node.dataset.testid = "error";
  item.node.dataset.code = code;
  setState(item, "failed");
}

function remember(item, url) {
  item.urls.push(url);
  return url;
}

/** The result's file name: the photo's base name with "_bw" and the result's extension. */
function resultName(name, extension) {
  const base = safeName(name);
  const dot = base.lastIndexOf(".");
  const stem = [...(dot > 0 ? base.slice(0, dot) : base)].slice(0, 200).join("") || "photo";
  return `${stem}_bw.${extension}`;
}

// Characters a file name must not carry out of the page (besides path separators): controls,
// and the bidirectional controls that make "evil\u202Egpj.exe" read as "evilexe.jpg".
const UNSAFE_NAME = /[\p{Cc}\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;
// What Windows refuses in a file name, which unzip tools would otherwise write as given.
const RESERVED_NAME = /[<>:"|?*]/g;

/**
 * A name that is safe as a download's file name and as a zip entry: the part after the last
 * "/" or "\\", without control or bidi characters, Windows' reserved ones replaced, and no
 * leading or trailing dots or spaces (so never "." or "..").
 */
function safeName(name) {
  const base = name.slice(Math.max(name.lastIndexOf("/"), name.lastIndexOf("\\")) + 1);
  return base.replace(UNSAFE_NAME, "").replace(RESERVED_NAME, "_").replace(/^[. ]+|[. ]+$/g, "");
}

function size(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** The image format the first bytes of a blob show, or null. */
async function sniff(blob) {
  const b = new Uint8Array(await blob.slice(0, 12).arrayBuffer());
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return "image/jpeg";
  if (b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) return "image/png";
  if (b[0] === 0x52 && b[1] === 0x49 && b[2] === 0x46 && b[3] === 0x46 && b[8] === 0x57 && b[9] === 0x45) return "image/webp";
  if (b[0] === 0x42 && b[1] === 0x4d) return "image/bmp";
  if ((b[0] === 0x49 && b[1] === 0x49) || (b[0] === 0x4d && b[1] === 0x4d)) return "image/tiff";
  if (b[0] === 0xff && b[1] === 0x0a) return "image/jxl";
  if (b[4] === 0x4a && b[5] === 0x58 && b[6] === 0x4c && b[7] === 0x20) return "image/jxl"; // the container's "JXL " box
  if (b[4] === 0x66 && b[5] === 0x74 && b[6] === 0x79 && b[7] === 0x70) { // "ftyp": the brand says which HEIF
    const brand = String.fromCharCode(b[8], b[9], b[10], b[11]);
    return brand === "avif" || brand === "avis" ? "image/avif" : "image/heic";
  }
  return null;
}

const RESULT_KINDS = {
  "image/png": { type: "image/png", extension: "png", label: "PNG" },
  "image/webp": { type: "image/webp", extension: "webp", label: "WebP" },
  "image/jpeg": { type: "image/jpeg", extension: "jpg", label: "JPEG" },
};

/** The result's format, from its first bytes (the service answers JPEG, PNG or WebP). */
async function imageKind(blob) {
  return RESULT_KINDS[await sniff(blob)] || RESULT_KINDS["image/jpeg"];
}

/** The content type to declare for an upload: the browser's, or the format the first bytes show. */
async function uploadType(file) {
  if (UPLOAD_TYPES.includes(file.type)) return file.type;
  return (await sniff(file)) || file.type || "application/octet-stream"; // the service names what it takes
}

// ---- talking to the service ------------------------------------------------------------

/** One HTTP exchange; resolves with the status, the body as a Blob and a header reader. */
function send(method, url, body, headers, onProgress) {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open(method, url);
    request.responseType = "blob";
    for (const [name, value] of Object.entries(headers)) request.setRequestHeader(name, value);
    if (onProgress) {
      request.upload.addEventListener("progress", (event) => {
        if (event.lengthComputable) onProgress(event.loaded / event.total);
      });
    }
    request.addEventListener("load", () => resolve({
      status: request.status,
      blob: request.response,
      header: (name) => request.getResponseHeader(name),
    }));
    request.addEventListener("error", () => reject(new ServiceError("network", `No answer from ${new URL(url, location.href).host}.`)));
    request.send(body);
  });
}

/** A call to the API, with the API key when the deployment asks for one (x-api-key, never in a URL). */
async function callApi(method, url, body = null, { contentType, onProgress } = {}) {
  for (let throttled = 0; ; ) {
    const key = sessionStorage.getItem(KEY_STORAGE);
    const headers = {};
    if (contentType) headers["Content-Type"] = contentType;
    if (key) headers["x-api-key"] = key;
    const response = await send(method, url, body, headers, onProgress);
    if (response.status === 429 && throttled < 5) {
      // The deployment's throttle: wait a little longer each time, then ask again.
      await sleep(1000 * 2 ** throttled++);
      continue;
    }
    if (response.status !== 401 && response.status !== 403) return response;
    const error = await errorOf(response);
    if (error.code !== "unauthorized" && error.code !== "forbidden") return response;
    if (key && sessionStorage.getItem(KEY_STORAGE) === key) sessionStorage.removeItem(KEY_STORAGE);
    if (sessionStorage.getItem(KEY_STORAGE)) continue; // another photo's prompt already got a new key
    const given = await askForKey(key ? "That key was not accepted. Enter the API key again." : null);
    if (!given) throw new ServiceError(error.code, "No API key was given.");
  }
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The service's JSON error {"error":{"code","message"}}, or a generic one. */
async function errorOf(response) {
  try {
    const body = JSON.parse(await response.blob.text());
    if (body?.error?.code) return new ServiceError(body.error.code, body.error.message ?? "");
  } catch {
    // not JSON: fall through
  }
  return new ServiceError(response.status >= 500 ? "unavailable" : "invalid_request", `The service answered ${response.status}.`);
}

/** S3 answers errors as XML: its Message, or its status. */
async function storageMessage(blob) {
  const text = await blob.text();
  const message = /<Message>([^<]*)<\/Message>/.exec(text);
  return message ? message[1] : "no details";
}

// ---- the API key -----------------------------------------------------------------------

let keyPrompt = null;
let keyDeclined = false;

/** Asks once for every photo waiting on a key; resolves with the key, or null if the person cancels. */
function askForKey(reason) {
  if (keyDeclined) return Promise.resolve(null);
  if (keyPrompt) return keyPrompt;
  keyPrompt = new Promise((resolve) => {
    const finish = (key) => {
      elements.keyForm.removeEventListener("submit", submit);
      elements.keyCancel.removeEventListener("click", cancel);
      elements.keyDialog.removeEventListener("cancel", cancel);
      elements.keyInput.value = "";
      if (elements.keyDialog.open) elements.keyDialog.close();
      keyPrompt = null;
      resolve(key);
    };
    const submit = (event) => {
      event.preventDefault();
      const key = elements.keyInput.value.trim();
      if (!key) return;
      sessionStorage.setItem(KEY_STORAGE, key);
      finish(key);
    };
    const cancel = (event) => {
      event.preventDefault();
      keyDeclined = true;
      finish(null);
    };
    elements.keyReason.textContent = reason ?? "This service needs an API key. It is kept in this browser tab only and sent with each request.";
    elements.keyForm.addEventListener("submit", submit);
    elements.keyCancel.addEventListener("click", cancel);
    elements.keyDialog.addEventListener("cancel", cancel);
    elements.keyDialog.showModal();
    elements.keyInput.focus();
  });
  return keyPrompt;
}

// ---- the list ----------------------------------------------------------------------------

elements.quality.addEventListener("input", () => {
  elements.qualityValue.textContent = elements.quality.value;
});
elements.qualityOn.addEventListener("change", () => {
  elements.quality.disabled = !elements.qualityOn.checked;
});

function updateSummary() {
  const count = (state) => items.filter((item) => item.state === state).length;
  const done = count("done");
  const failed = count("failed");
  const busy = items.length - done - failed;
  elements.summary.textContent = items.length === 0
    ? "No photos yet."
    : [`${done} of ${items.length} done`, failed ? `${failed} failed` : "", busy ? `${busy} in progress` : ""].filter(Boolean).join(", ") + ".";
  elements.downloadAll.disabled = done === 0;
  elements.clear.disabled = items.length === 0 || busy > 0;
}

elements.clear.addEventListener("click", () => {
  for (const item of items) {
    for (const url of item.urls) URL.revokeObjectURL(url);
    item.node.remove();
  }
  items.length = 0;
  updateSummary();
  elements.input.focus();
});

elements.downloadAll.addEventListener("click", async () => {
  const done = items.filter((item) => item.state === "done");
  const taken = new Set();
  const entries = done.map((item) => ({ name: unique(item.result.fileName, taken), blob: item.result.blob }));
  elements.downloadAll.disabled = true;
  try {
    // The zip writer is loaded on first use, at this script's own version.
    const { zip } = await import(new URL(`zip.js${new URL(import.meta.url).search}`, import.meta.url));
    const archive = await zip(entries);
    const link = document.createElement("a");
    link.href = URL.createObjectURL(archive);
    link.download = "grayscale.zip";
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
  } catch (error) {
    elements.summary.textContent = error.message;
  } finally {
    elements.downloadAll.disabled = false;
  }
});

function unique(name, taken) {
  let candidate = name;
  for (let n = 2; taken.has(candidate); n++) {
    const dot = name.lastIndexOf(".");
    candidate = `${name.slice(0, dot)} (${n})${name.slice(dot)}`;
  }
  taken.add(candidate);
  return candidate;
}
