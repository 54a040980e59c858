// A virtualized list: only the rows in view (plus a few) are in the DOM, so a page with 10,000
// logs or a 5,000-span trace scrolls and updates as fast as one with 20. Rows may grow (an
// expanded log) — they are measured after rendering.
import type { ComponentChildren } from "preact";
import { useEffect, useLayoutEffect, useReducer, useRef } from "preact/hooks";
import {
  Virtualizer,
  elementScroll,
  measureElement,
  observeElementOffset,
  observeElementRect,
} from "@tanstack/virtual-core";

export interface VirtualListHandle {
  scrollToIndex(index: number): void;
  /** True when the view shows the last row: the list then follows new rows. */
  atEnd(): boolean;
  scrollToEnd(): void;
}

export interface VirtualListProps {
  count: number;
  rowHeight: number;
  /** Stable key of row `index` (so measured sizes follow their row when rows are added). */
  rowKey: (index: number) => string | number;
  renderRow: (index: number) => ComponentChildren;
  class?: string;
  testId?: string;
  handle?: (handle: VirtualListHandle) => void;
  onScroll?: () => void;
}

export function VirtualList(props: VirtualListProps) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  const virtualizer = useRef<Virtualizer<HTMLDivElement, HTMLDivElement> | null>(null);
  const options = {
    count: props.count,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => props.rowHeight,
    getItemKey: props.rowKey,
    scrollToFn: elementScroll,
    observeElementRect,
    observeElementOffset,
    measureElement,
    overscan: 12,
    onChange: () => rerender(0),
  };
  if (virtualizer.current === null) virtualizer.current = new Virtualizer<HTMLDivElement, HTMLDivElement>(options);
  else virtualizer.current.setOptions(options);
  const v = virtualizer.current;

  useLayoutEffect(() => v._didMount(), []);
  useLayoutEffect(() => v._willUpdate());
  useEffect(() => {
    props.handle?.({
      scrollToIndex: (index) => v.scrollToIndex(index, { align: "center" }),
      atEnd: () => {
        const el = scrollRef.current;
        return el === null || el.scrollHeight - el.scrollTop - el.clientHeight < props.rowHeight;
      },
      scrollToEnd: () => {
        if (props.count > 0) v.scrollToIndex(props.count - 1, { align: "end" });
      },
    });
  });

  const items = v.getVirtualItems();
  return (
    <div class={`vlist ${props.class ?? ""}`} ref={scrollRef} data-testid={props.testId} onScroll={props.onScroll}>
      <div style={{ height: `${v.getTotalSize()}px`, position: "relative", width: "100%" }}>
        {items.map((item) => (
          <div
            key={item.key}
            data-index={item.index}
            ref={(node) => {
              if (node) v.measureElement(node);
            }}
            style={{ position: "absolute", top: 0, left: 0, width: "100%", transform: `translateY(${item.start}px)` }}
          >
            {props.renderRow(item.index)}
          </div>
        ))}
      </div>
    </div>
  );
}
