import type { Page } from "puppeteer-core";

/**
 * What a person sees of each element: true when it is rendered (nothing up its tree is
 * `display: none`, it is not `visibility: hidden` or transparent) and takes up room on the page.
 * Attributes such as `hidden` say what the script meant; this says what the CSS made of it.
 * A selector that matches nothing counts as not seen.
 */
export async function seen<K extends string>(
  page: Page,
  selectors: Record<K, string>,
): Promise<Record<K, boolean>> {
  return page.evaluate(
    (sels) => {
      const shown = (sel: string) => {
        const el = document.querySelector(sel);
        if (!el) return false;
        const box = el.getBoundingClientRect();
        const rendered = el.checkVisibility({ opacityProperty: true, visibilityProperty: true });
        return rendered && box.width > 0 && box.height > 0;
      };
      return Object.fromEntries(Object.entries(sels).map(([name, sel]) => [name, shown(sel as string)]));
    },
    selectors as Record<string, string>,
  ) as Promise<Record<K, boolean>>;
}

/** Waits until `selector` is seen (as `seen` defines it), e.g. after a click that shows a view. */
export async function waitUntilSeen(page: Page, selector: string, timeout = 10_000) {
  await page.waitForFunction(
    (sel) => {
      const el = document.querySelector(sel);
      const box = el?.getBoundingClientRect();
      return (
        !!el && el.checkVisibility({ visibilityProperty: true }) && !!box && box.width > 0 && box.height > 0
      );
    },
    { timeout },
    selector,
  );
}
