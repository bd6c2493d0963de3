import { fileTypeFromBuffer } from "file-type";
import { imageSize } from "image-size";
import { isImage } from "./types";

/** What the bytes are, as far as their first part tells. */
export type Sniffed = {
  type: string;
  /** The extension that goes with `type`, when the detector names one. */
  ext: string | null;
  width: number | null;
  height: number | null;
};

/**
 * Enough of the start of a file to tell its type (file-type reads up to ~4 KB) and an image's
 * size (a JPEG's dimensions follow its EXIF block, which may be tens of KB).
 */
export const HEAD_BYTES = 128 * 1024;

// Markup a browser would render as a page (the WHATWG sniffing rules' HTML and XML signatures).
const MARKUP =
  /^(?:<!doctype html|<html|<head|<script|<iframe|<h1|<div|<font|<table|<a|<style|<title|<b|<body|<br|<p|<!--|<\?xml|<svg)(?:[\s>/]|$)/i;

/** HTML, SVG or other XML, which file-type does not detect (it reads binary signatures). */
function markupType(head: Uint8Array): string | null {
  const start = new TextDecoder("latin1")
    .decode(head.subarray(0, 1024))
    .replace(/^\uFEFF|^\u00EF\u00BB\u00BF/, "");
  const text = start.trimStart();
  if (!MARKUP.test(text)) return null;
  return /<svg[\s>]/i.test(text) ? "image/svg+xml" : "text/html";
}

/** Bytes no text file holds: C0 controls other than tab, newlines and form feed, and DEL. */
const isControl = (b: number) =>
  (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0c && b !== 0x0d) || b === 0x7f;

/** Valid UTF-8 without control characters. */
function isPlainText(head: Uint8Array): boolean {
  if (head.some(isControl)) return false;
  try {
    // `stream: true`: a character cut at the end of the head is not an error.
    new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(head, { stream: true });
    return true;
  } catch {
    return false;
  }
}

function dimensions(type: string, head: Uint8Array): Pick<Sniffed, "width" | "height"> {
  if (!isImage(type)) return { width: null, height: null };
  try {
    const { width, height } = imageSize(head);
    return { width: width ?? null, height: height ?? null };
  } catch {
    // Headers beyond HEAD_BYTES (or an image-size cannot read): the attachment carries no size.
    return { width: null, height: null };
  }
}

/** The type of a file from its first bytes (never from its name or the client's Content-Type). */
export async function sniff(head: Uint8Array): Promise<Sniffed> {
  const detected = await fileTypeFromBuffer(head);
  // file-type calls every XML document application/xml; an SVG is one a browser runs scripts in.
  if (detected?.mime === "application/xml" && markupType(head) === "image/svg+xml")
    return { type: "image/svg+xml", ext: "svg", width: null, height: null };
  if (detected) return { type: detected.mime, ext: detected.ext, ...dimensions(detected.mime, head) };
  const markup = markupType(head);
  if (markup) return { type: markup, ext: null, width: null, height: null };
  const type = isPlainText(head) ? "text/plain" : "application/octet-stream";
  return { type, ext: null, width: null, height: null };
}
